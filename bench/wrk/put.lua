-- wrk script for the put benchmarks: PutRecord (batch 0) or PutRecords (batch N) of
-- RECORD_BYTES-byte records, a new partition key per record (so records spread over the shards),
-- and every answer checked: a non-200 status or a PutRecords answer with a failed record counts
-- as an error, and a run with errors is not a result.
--
--   wrk -t2 -c64 -d10s -s bench/wrk/put.lua http://127.0.0.1:PORT/ -- STREAM BATCH RECORD_BYTES
--
-- done() prints one JSON line (prefixed "RESULT ") for bench/suite.py.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local function base64(bytes)
  local out = {}
  for i = 1, #bytes, 3 do
    local a, b, c = bytes:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local chars = {}
    for k = 3, 0, -1 do
      local index = math.floor(n / 64 ^ k) % 64 + 1
      chars[#chars + 1] = alphabet:sub(index, index)
    end
    if not b then chars[3] = "=" end
    if not c then chars[4] = "=" end
    out[#out + 1] = table.concat(chars)
  end
  return table.concat(out)
end

function init(args)
  stream = args[1]
  batch = tonumber(args[2])
  local size = tonumber(args[3])
  counter = 0
  bad_status = 0
  failed_records = 0
  local raw = {}
  for i = 1, size do raw[i] = string.char(97 + (i * 7 + id) % 26) end
  data = base64(table.concat(raw))
  headers = {
    ["Content-Type"] = "application/x-amz-json-1.1",
    ["X-Amz-Target"] = batch > 0 and "Kinesis_20131202.PutRecords" or "Kinesis_20131202.PutRecord",
    ["X-Amz-Date"] = "20240101T000000Z",
    ["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20240101/us-east-1/kinesis/" ..
      "aws4_request, SignedHeaders=host;x-amz-date, Signature=0000",
  }
end

function request()
  counter = counter + 1
  local key = id .. "-" .. counter
  local body
  if batch == 0 then
    body = '{"StreamName":"' .. stream .. '","Data":"' .. data .. '","PartitionKey":"' .. key .. '"}'
  else
    local records = {}
    for i = 1, batch do
      records[i] = '{"Data":"' .. data .. '","PartitionKey":"' .. key .. "-" .. i .. '"}'
    end
    body = '{"StreamName":"' .. stream .. '","Records":[' .. table.concat(records, ",") .. "]}"
  end
  return wrk.format("POST", "/", headers, body)
end

function response(status, headers, body)
  if status ~= 200 then
    bad_status = bad_status + 1
  elseif batch > 0 and not body:find('"FailedRecordCount":0', 1, true) then
    failed_records = failed_records + 1
  end
end

function done(summary, latency, requests)
  local bad, failed = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("bad_status")
    failed = failed + thread:get("failed_records")
  end
  local socket_errors = summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout
  io.write(string.format(
    'RESULT {"requests":%d,"seconds":%.3f,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,' ..
    '"bad_status":%d,"failed_batches":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, bad, failed, socket_errors))
end
