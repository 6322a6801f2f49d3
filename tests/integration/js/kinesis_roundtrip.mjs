// One Kinesis round trip through the AWS SDK for JavaScript v3, as a user would write it:
// CreateStream, PutRecord, PutRecords (small and ~9 MB), ListShards, GetShardIterator,
// GetRecords, DeleteStream. Prints what it saw as JSON on stdout for
// tests/integration/test_js_sdk_http2.py to check; exits non-zero on any SDK error.
//
// Environment: SLUICE_ENDPOINT (http://... or https://...), SLUICE_STREAM (stream name),
// SLUICE_HANDLER ("default": the client's own request handler, which is NodeHttp2Handler for
// Kinesis; "explicit": a NodeHttp2Handler passed in, with certificate checks off for https).
// Credentials and region come from the usual AWS_* variables.

import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import { NodeHttp2Handler } from "@smithy/node-http-handler";

const endpoint = process.env.SLUICE_ENDPOINT;
const stream = process.env.SLUICE_STREAM;
const handlerMode = process.env.SLUICE_HANDLER ?? "default";

const config = { endpoint, maxAttempts: 1 };
if (handlerMode === "explicit") {
  config.requestHandler = new NodeHttp2Handler({
    nodeHttp2ConnectOptions: { rejectUnauthorized: false },
  });
}
const client = new KinesisClient(config);

const b64 = (bytes) => Buffer.from(bytes).toString("base64");
// Deterministic bytes, so the test can tell a record's data from another's.
const pattern = (seed, size) => {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (seed * 31 + i * 7 + (i >> 12)) & 0xff;
  return out;
};

async function waitActive() {
  for (let i = 0; i < 100; i++) {
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    if (summary.StreamDescriptionSummary.StreamStatus === "ACTIVE") return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`stream ${stream} did not become ACTIVE`);
}

async function main() {
  const result = { handler: client.config.requestHandler.constructor.name, puts: [], reads: {} };
  await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
  await waitActive();

  const single = pattern(1, 1000);
  const put = await client.send(
    new PutRecordCommand({ StreamName: stream, PartitionKey: "single", Data: single }),
  );
  result.puts.push({ key: "single", data: b64(single), shard: put.ShardId, seq: put.SequenceNumber });

  // A small batch and a large one (about 9 MB of data, 12 MB of JSON): the large one needs the
  // server's HTTP/2 flow-control windows to open wide.
  const batches = [
    Array.from({ length: 50 }, (_, i) => ({ key: `small-${i}`, data: pattern(100 + i, 100 + i) })),
    Array.from({ length: 9 }, (_, i) => ({ key: `large-${i}`, data: pattern(200 + i, 1000000) })),
  ];
  result.putRecordsMs = [];
  for (const batch of batches) {
    const started = Date.now();
    const out = await client.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: batch.map((r) => ({ PartitionKey: r.key, Data: r.data })),
      }),
    );
    result.putRecordsMs.push(Date.now() - started);
    if (out.FailedRecordCount !== 0) throw new Error(`PutRecords failed: ${JSON.stringify(out)}`);
    batch.forEach((r, i) =>
      result.puts.push({
        key: r.key,
        data: b64(r.data),
        shard: out.Records[i].ShardId,
        seq: out.Records[i].SequenceNumber,
      }),
    );
  }

  const shards = await client.send(new ListShardsCommand({ StreamName: stream }));
  result.shards = shards.Shards.map((s) => s.ShardId);
  for (const shardId of result.shards) {
    const iterator = await client.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: shardId,
        ShardIteratorType: "TRIM_HORIZON",
      }),
    );
    let next = iterator.ShardIterator;
    const records = [];
    // Until an empty page: everything was written before the first read.
    for (let page = 0; page < 100 && next; page++) {
      const out = await client.send(new GetRecordsCommand({ ShardIterator: next }));
      for (const r of out.Records) {
        records.push({ key: r.PartitionKey, data: b64(r.Data), seq: r.SequenceNumber });
      }
      if (out.Records.length === 0) break;
      next = out.NextShardIterator;
    }
    result.reads[shardId] = records;
  }

  await client.send(new DeleteStreamCommand({ StreamName: stream }));
  result.deleted = true;
  client.destroy();
  process.stdout.write(JSON.stringify(result));
}

main().catch((error) => {
  process.stderr.write(`${error.name}: ${error.message}\n${error.stack}\n`);
  process.exit(1);
});
