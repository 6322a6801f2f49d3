#include "protocol/error_response.h"

#include "sluice/protocol/error_mapping.h"

namespace sluice::protocol {

net::HttpResponse ErrorResponse(const Status& status, const WireCodec& codec,
                                const std::string& request_id) {
  net::HttpResponse response;
  response.status = ToWire(status.code()).http_status;
  response.headers = {{"Content-Type", std::string(codec.content_type())},
                      {"x-amzn-RequestId", request_id}};
  response.body = codec.EncodeError(status);
  return response;
}

}  // namespace sluice::protocol
