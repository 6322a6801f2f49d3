#pragma once

#include <string_view>

#include "sluice/common/status.h"

namespace sluice::protocol {

// How an ErrorCode looks on the wire.
struct WireError {
  int http_status;
  std::string_view type;  // the AWS `__type`
};

// The one mapping from our error codes to HTTP status and AWS error type.
WireError ToWire(ErrorCode code);

}  // namespace sluice::protocol
