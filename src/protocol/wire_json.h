#pragma once

#include <string>

#include "sluice/api/api.h"
#include "sluice/common/status.h"

namespace sluice::protocol {

// The AWS JSON 1.1 body of a reply: blobs (binary values) become base64 strings.
std::string EncodeJsonBody(api::Value value);

// {"__type": ..., "message": ...}; SerializationException spells it "Message", as AWS does,
// and an empty message is left out.
std::string EncodeJsonError(const Status& status);

}  // namespace sluice::protocol
