#include "sluice/net/response_writer.h"

namespace sluice::net {

void SendResponse(ResponseWriter& writer, HttpResponse response) {
  const uint64_t length = response.body.size();
  writer.Start(response.status, std::move(response.headers), length);
  writer.Write(std::move(response.body));
  writer.Finish();
}

}  // namespace sluice::net
