#pragma once

#include <future>
#include <memory>
#include <string_view>

#include <gtest/gtest.h>

#include "sluice/api/api.h"
#include "support/broker_fixture.h"

namespace sluice::testing {

// The api layer over a real broker (BrokerFixture): operations invoked by name with model-shaped
// values, as the front end invokes them, in the default account and region.
class ApiFixture : public BrokerFixture {
 protected:
  void SetUp() override {
    BrokerFixture::SetUp();
    api_ = std::make_unique<api::Api>(*broker_);
    context_.caller = {"000000000000", "us-east-1"};
    context_.request_id = "test";
  }
  void TearDown() override {
    api_.reset();
    BrokerFixture::TearDown();
  }

  // Runs `operation` and waits for its answer. Fixtures may check every answer on top.
  virtual Result<api::Value> Invoke(std::string_view operation, api::Value input) {
    std::promise<Result<api::Value>> done;
    api_->Invoke(context_, operation, std::move(input),
                 [&](Result<api::Value> result) { done.set_value(std::move(result)); });
    return done.get_future().get();
  }
  // Runs `operation`, which must succeed; its reply.
  api::Value Succeed(std::string_view operation, api::Value input) {
    auto result = Invoke(operation, std::move(input));
    EXPECT_TRUE(result.ok()) << operation << ": " << result.status().message();
    return result.ok() ? *result : api::Value();
  }

  std::unique_ptr<api::Api> api_;
  api::RequestContext context_;
};

}  // namespace sluice::testing
