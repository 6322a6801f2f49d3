#include "protocol/error_response.h"

namespace sluice::protocol {

net::HttpResponse ErrorResponse(const Status& status, const WireCodec& codec,
                                const Envelope& envelope) {
  net::HttpResponse response;
  response.status = codec.ErrorStatus(status);
  response.headers = envelope.Headers(codec.content_type());
  response.body = codec.EncodeError(status);
  return response;
}

}  // namespace sluice::protocol
