// SubscribeToShard through the AWS SDK for JavaScript v3: an event stream on one HTTP/2 stream,
// read while records are written. Registers a consumer, subscribes from TRIM_HORIZON, puts
// three records before and three after the subscription started, reads events until all six
// arrived, then leaves the subscription (the SDK resets the HTTP/2 stream) and deletes the
// stream. Prints what it saw as JSON for tests/integration/test_js_sdk_http2.py.
//
// Environment: SLUICE_ENDPOINT, SLUICE_STREAM, SLUICE_HANDLER as for kinesis_roundtrip.mjs.

import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
} from "@aws-sdk/client-kinesis";
import { NodeHttp2Handler } from "@smithy/node-http-handler";

const stream = process.env.SLUICE_STREAM;
const config = { endpoint: process.env.SLUICE_ENDPOINT, maxAttempts: 1 };
if ((process.env.SLUICE_HANDLER ?? "default") === "explicit") {
  config.requestHandler = new NodeHttp2Handler({
    nodeHttp2ConnectOptions: { rejectUnauthorized: false },
  });
}
const client = new KinesisClient(config);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what, check) {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function put(key) {
  const out = await client.send(
    new PutRecordCommand({ StreamName: stream, PartitionKey: key, Data: Buffer.from(`data ${key}`) }),
  );
  return { key, seq: out.SequenceNumber };
}

async function main() {
  await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
  let streamArn;
  await until("the stream", async () => {
    const s = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    streamArn = s.StreamDescriptionSummary.StreamARN;
    return s.StreamDescriptionSummary.StreamStatus === "ACTIVE";
  });
  const consumer = await client.send(
    new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "js-reader" }),
  );
  const consumerArn = consumer.Consumer.ConsumerARN;
  await until("the consumer", async () => {
    const c = await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
    return c.ConsumerDescription.ConsumerStatus === "ACTIVE";
  });

  const result = { puts: [], received: [], events: 0 };
  for (const key of ["before-0", "before-1", "before-2"]) result.puts.push(await put(key));

  const subscription = await client.send(
    new SubscribeToShardCommand({
      ConsumerARN: consumerArn,
      ShardId: "shardId-000000000000",
      StartingPosition: { Type: "TRIM_HORIZON" },
    }),
  );
  const deadline = Date.now() + 30000;
  let wroteAfter = false;
  for await (const event of subscription.EventStream) {
    if (!event.SubscribeToShardEvent) throw new Error(`unexpected event ${JSON.stringify(event)}`);
    result.events++;
    for (const r of event.SubscribeToShardEvent.Records) {
      result.received.push({
        key: r.PartitionKey,
        seq: r.SequenceNumber,
        data: Buffer.from(r.Data).toString(),
      });
    }
    if (!wroteAfter && result.received.length >= 3) {
      wroteAfter = true;  // these arrive pushed, on the stream already open
      for (const key of ["after-0", "after-1", "after-2"]) result.puts.push(await put(key));
    }
    if (result.received.length >= 6 || Date.now() > deadline) break;  // resets the h2 stream
  }

  // The connection and the server go on after the reset.
  await client.send(new DeleteStreamCommand({ StreamName: stream, EnforceConsumerDeletion: true }));
  result.deleted = true;
  client.destroy();
  process.stdout.write(JSON.stringify(result));
}

main().catch((error) => {
  process.stderr.write(`${error.name}: ${error.message}\n${error.stack}\n`);
  process.exit(1);
});
