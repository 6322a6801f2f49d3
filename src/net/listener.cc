#include "net/listener.h"

#include <chrono>
#include <string>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "net/protocol_detector.h"

namespace sluice::net {
namespace {

namespace asio = boost::asio;
using tcp = boost::asio::ip::tcp;

// How long to pause accepting after an accept error (file descriptors exhausted, say).
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

}  // namespace

Listener::Listener(asio::io_context& io, std::shared_ptr<ServerContext> context)
    : io_(io),
      context_(std::move(context)),
      acceptor_(asio::make_strand(io)),
      retry_timer_(acceptor_.get_executor()) {}

Status Listener::Open() {
  const ServerOptions& options = context_->options;
  const std::string where = options.host + ":" + std::to_string(options.port);
  boost::system::error_code ec;
  tcp::endpoint endpoint;
  auto address = asio::ip::make_address(options.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, options.port);
  } else {
    tcp::resolver resolver(io_);
    auto results = resolver.resolve(options.host, std::to_string(options.port), ec);
    if (ec || results.empty()) {
      return Status(ErrorCode::kInternal,
                    "cannot resolve listen address " + where + ": " + ec.message());
    }
    endpoint = results.begin()->endpoint();
  }

  auto fail = [&](std::string_view step) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return Status(ErrorCode::kInternal,
                  "cannot listen on " + where + " (" + std::string(step) + "): " + ec.message());
  };
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail("reuse_address");
  acceptor_.bind(endpoint, ec);
  if (ec) return fail("bind");
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  port_ = acceptor_.local_endpoint(ec).port();
  if (ec) return fail("local_endpoint");
  return Status::Ok();
}

void Listener::Run() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->Accept(); });
}

void Listener::Close() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
    self->retry_timer_.cancel();
  });
}

void Listener::Accept() {
  if (!acceptor_.is_open()) return;
  try {
    acceptor_.async_accept(
        asio::make_strand(io_),
        [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
          self->OnAccept(ec, std::move(socket));
        });
  } catch (const std::exception& e) {
    context_->log->error("cannot accept: {}", e.what());
    AcceptLater();
  }
}

void Listener::AcceptLater() {
  try {
    retry_timer_.expires_after(kAcceptRetryDelay);
    retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->Accept();
    });
  } catch (const std::exception& e) {
    context_->log->critical("accepting stopped: {}", e.what());
  }
}

void Listener::OnAccept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;  // closed
  if (ec) {
    context_->log->warn("accept failed, pausing {} ms: {}", kAcceptRetryDelay.count(),
                        ec.message());
    return AcceptLater();
  }
  try {
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<ProtocolDetector>(context_, std::move(socket))->Run();
  } catch (const std::exception& e) {
    context_->log->error("cannot start a connection: {}", e.what());
  }
  Accept();
}

}  // namespace sluice::net
