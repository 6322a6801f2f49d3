#pragma once

#include <memory>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "net/server_context.h"

namespace sluice::net {

// Serves HTTP/2 on a connection the protocol detector has classified: h2c (the client preface
// on a plain connection) or h2 (ALPN after the TLS handshake). Every stream becomes one
// HttpRequest for the RequestHandler, answered through a StrandResponseWriter whose exchange is
// the stream id; many streams run at once. `buffer` holds the bytes already read (the preface,
// for h2c). The session runs on the connection's strand (the executor of `stream`) and keeps
// itself alive through its pending operations and the writers the handler holds.
void StartHttp2Session(std::shared_ptr<ServerContext> context, boost::beast::tcp_stream stream,
                       boost::beast::flat_buffer buffer, ConnectionSlot slot,
                       std::string remote_address);
void StartHttp2Session(std::shared_ptr<ServerContext> context,
                       boost::beast::ssl_stream<boost::beast::tcp_stream> stream,
                       boost::beast::flat_buffer buffer, ConnectionSlot slot,
                       std::string remote_address);

}  // namespace sluice::net
