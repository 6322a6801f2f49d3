#pragma once

#include <string>

#include "protocol/wire_codec.h"
#include "sluice/common/status.h"
#include "sluice/net/response_writer.h"

namespace sluice::protocol {

// A failed call's answer in `codec`'s encoding: AWS's status for the error, the codec's content
// type, x-amzn-RequestId, and the encoded error body.
net::HttpResponse ErrorResponse(const Status& status, const WireCodec& codec,
                                const std::string& request_id);

}  // namespace sluice::protocol
