#pragma once

#include <memory>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "net/server_context.h"

namespace sluice::net {

// Serves HTTP/1.1 (and 1.0) on a connection the protocol detector has classified: reads one
// request at a time, hands it to the RequestHandler, writes the response, and loops while the
// connection is kept alive. `buffer` holds the bytes already read from the connection (after
// the TLS handshake, for TLS). The session runs on the connection's strand (the executor of
// `stream`) and keeps itself alive through its pending operations and the ResponseWriter the
// handler holds.
void StartHttp1Session(std::shared_ptr<ServerContext> context, boost::beast::tcp_stream stream,
                       boost::beast::flat_buffer buffer, ConnectionSlot slot,
                       std::string remote_address);
void StartHttp1Session(std::shared_ptr<ServerContext> context,
                       boost::beast::ssl_stream<boost::beast::tcp_stream> stream,
                       boost::beast::flat_buffer buffer, ConnectionSlot slot,
                       std::string remote_address);

}  // namespace sluice::net
