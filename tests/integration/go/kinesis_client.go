// A Kinesis client built on the real AWS SDK for Go v2 (Debian's golang-github-aws-aws-sdk-go-v2-dev,
// GOPATH mode), driven by test_go_sdk.py against the real Sluice binary. It runs one scenario and
// exits non-zero with a message on the first thing that is not as AWS would answer.
//
//	go run kinesis_client.go -endpoint http://127.0.0.1:PORT -stream NAME -scenario roundtrip|subscribe
//	go run kinesis_client.go -endpoint ... -access-key AK -secret-key SK -scenario refused \
//	    -expect-code InvalidSignatureException -expect-message "..."
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func check(err error, what string) {
	if err != nil {
		fail("%s: %v", what, err)
	}
}

func newClient(endpoint, accessKey, secretKey string) *kinesis.Client {
	// The SDK's own buildable client, as a default program gets it; only certificate checking is
	// off, for the self-signed certificate of the https endpoint.
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		if tr.TLSClientConfig == nil {
			tr.TLSClientConfig = &tls.Config{}
		}
		tr.TLSClientConfig.InsecureSkipVerify = true
	})
	return kinesis.New(kinesis.Options{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		HTTPClient:  httpClient,
		EndpointResolver: kinesis.EndpointResolverFunc(
			func(region string, options kinesis.EndpointResolverOptions) (aws.Endpoint, error) {
				// SigningRegion: without it the SDK signs a scope with an empty region, which
				// AWS (and Sluice) refuse.
				return aws.Endpoint{URL: endpoint, SigningRegion: region}, nil
			}),
	})
}

func waitActive(ctx context.Context, client *kinesis.Client, stream string) {
	waiter := kinesis.NewStreamExistsWaiter(client, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = 200 * time.Millisecond
	})
	check(waiter.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(stream)},
		30*time.Second), "waiting for the stream")
}

func roundtrip(ctx context.Context, client *kinesis.Client, stream string) {
	_, err := client.CreateStream(ctx, &kinesis.CreateStreamInput{
		StreamName: aws.String(stream), ShardCount: aws.Int32(2)})
	check(err, "CreateStream")
	waitActive(ctx, client, stream)

	var entries []types.PutRecordsRequestEntry
	for i := 0; i < 50; i++ {
		entries = append(entries, types.PutRecordsRequestEntry{
			Data: []byte(fmt.Sprintf("go-%d\x00\xff", i)), PartitionKey: aws.String(fmt.Sprintf("k%d", i))})
	}
	put, err := client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries})
	check(err, "PutRecords")
	if aws.ToInt32(put.FailedRecordCount) != 0 || len(put.Records) != 50 {
		fail("PutRecords: %d failed of %d", aws.ToInt32(put.FailedRecordCount), len(put.Records))
	}
	one, err := client.PutRecord(ctx, &kinesis.PutRecordInput{
		StreamName: aws.String(stream), Data: []byte("single"), PartitionKey: aws.String("k0")})
	check(err, "PutRecord")

	shards, err := client.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	check(err, "ListShards")
	if len(shards.Shards) != 2 {
		fail("ListShards: %d shards", len(shards.Shards))
	}
	got := map[string]bool{}
	for _, shard := range shards.Shards {
		it, err := client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
			StreamName: aws.String(stream), ShardId: shard.ShardId,
			ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		check(err, "GetShardIterator")
		out, err := client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
		check(err, "GetRecords")
		var last string
		for _, record := range out.Records {
			if record.ApproximateArrivalTimestamp == nil ||
				time.Since(*record.ApproximateArrivalTimestamp) > time.Minute {
				fail("GetRecords: arrival timestamp %v", record.ApproximateArrivalTimestamp)
			}
			if last != "" && strings.Compare(aws.ToString(record.SequenceNumber), last) <= 0 {
				fail("GetRecords: sequence numbers out of order")
			}
			last = aws.ToString(record.SequenceNumber)
			got[string(record.Data)] = true
		}
	}
	for i := 0; i < 50; i++ {
		if !got[fmt.Sprintf("go-%d\x00\xff", i)] {
			fail("record go-%d not read back", i)
		}
	}
	if !got["single"] || one.SequenceNumber == nil {
		fail("PutRecord's record not read back")
	}

	_, err = client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("nope")})
	var notFound *types.ResourceNotFoundException
	if err == nil || !errors.As(err, &notFound) {
		fail("DescribeStreamSummary of a missing stream: %v", err)
	}
	_, err = client.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String(stream)})
	check(err, "DeleteStream")
}

func subscribe(ctx context.Context, client *kinesis.Client, stream string) {
	_, err := client.CreateStream(ctx, &kinesis.CreateStreamInput{
		StreamName: aws.String(stream), ShardCount: aws.Int32(1)})
	check(err, "CreateStream")
	waitActive(ctx, client, stream)
	summary, err := client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(stream)})
	check(err, "DescribeStreamSummary")
	consumer, err := client.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{
		StreamARN: summary.StreamDescriptionSummary.StreamARN, ConsumerName: aws.String("go-reader")})
	check(err, "RegisterStreamConsumer")
	for deadline := time.Now().Add(10 * time.Second); ; {
		d, err := client.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{
			ConsumerARN: consumer.Consumer.ConsumerARN})
		check(err, "DescribeStreamConsumer")
		if d.ConsumerDescription.ConsumerStatus == types.ConsumerStatusActive {
			break
		}
		if time.Now().After(deadline) {
			fail("consumer never became ACTIVE")
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, err = client.PutRecord(ctx, &kinesis.PutRecordInput{
		StreamName: aws.String(stream), Data: []byte("before"), PartitionKey: aws.String("k")})
	check(err, "PutRecord")

	sub, err := client.SubscribeToShard(ctx, &kinesis.SubscribeToShardInput{
		ConsumerARN: consumer.Consumer.ConsumerARN, ShardId: aws.String("shardId-000000000000"),
		StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon}})
	check(err, "SubscribeToShard")
	events := sub.GetStream()
	defer events.Close()

	want := [][]byte{[]byte("before")}
	go func() {
		time.Sleep(300 * time.Millisecond)
		for i := 0; i < 20; i++ {
			data := []byte(fmt.Sprintf("live-%d", i))
			if _, err := client.PutRecord(ctx, &kinesis.PutRecordInput{
				StreamName: aws.String(stream), Data: data, PartitionKey: aws.String("k")}); err != nil {
				fail("PutRecord during the subscription: %v", err)
			}
		}
	}()
	for i := 0; i < 20; i++ {
		want = append(want, []byte(fmt.Sprintf("live-%d", i)))
	}
	var got [][]byte
	timeout := time.After(20 * time.Second)
	for len(got) < len(want) {
		select {
		case event, ok := <-events.Events():
			if !ok {
				fail("event stream ended early: %v", events.Err())
			}
			shardEvent, isShardEvent := event.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent)
			if !isShardEvent {
				fail("unexpected event %T", event)
			}
			if shardEvent.Value.ContinuationSequenceNumber == nil || shardEvent.Value.MillisBehindLatest == nil {
				fail("event without ContinuationSequenceNumber or MillisBehindLatest")
			}
			for _, record := range shardEvent.Value.Records {
				got = append(got, record.Data)
			}
		case <-timeout:
			fail("only %d of %d records arrived", len(got), len(want))
		}
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			fail("record %d is %q, want %q", i, got[i], want[i])
		}
	}
}

// refused: the call must fail with the service's error code and message (a wrong secret, say).
func refused(ctx context.Context, client *kinesis.Client, code, message string) {
	_, err := client.ListStreams(ctx, &kinesis.ListStreamsInput{})
	var apiErr smithy.APIError
	if err == nil || !errors.As(err, &apiErr) {
		fail("ListStreams: want %s, got %v", code, err)
	}
	if apiErr.ErrorCode() != code || apiErr.ErrorMessage() != message {
		fail("ListStreams: want %s %q, got %s %q", code, message, apiErr.ErrorCode(),
			apiErr.ErrorMessage())
	}
}

func main() {
	endpoint := flag.String("endpoint", "", "http(s)://127.0.0.1:PORT")
	stream := flag.String("stream", "go-sdk", "stream name")
	scenario := flag.String("scenario", "roundtrip", "roundtrip, subscribe or refused")
	accessKey := flag.String("access-key", "AKIDLOCAL", "access key id to sign with")
	secretKey := flag.String("secret-key", "secret", "secret access key to sign with")
	expectCode := flag.String("expect-code", "", "refused: the error code expected")
	expectMessage := flag.String("expect-message", "", "refused: the error message expected")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client := newClient(*endpoint, *accessKey, *secretKey)
	switch *scenario {
	case "roundtrip":
		roundtrip(ctx, client, *stream)
	case "subscribe":
		subscribe(ctx, client, *stream)
	case "refused":
		refused(ctx, client, *expectCode, *expectMessage)
	default:
		fail("unknown scenario %s", *scenario)
	}
	fmt.Println("OK")
}
