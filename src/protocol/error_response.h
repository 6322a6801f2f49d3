#pragma once

#include <string>

#include "protocol/envelope.h"
#include "protocol/wire_codec.h"
#include "sluice/common/status.h"
#include "sluice/net/response_writer.h"

namespace sluice::protocol {

// A failed call's answer in `codec`'s encoding: the codec's status for the error, its content
// type, the envelope's headers, and the encoded error body.
net::HttpResponse ErrorResponse(const Status& status, const WireCodec& codec,
                                const Envelope& envelope);

}  // namespace sluice::protocol
