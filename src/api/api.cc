#include "sluice/api/api.h"

#include "api/handlers.h"
#include "api/validator.h"
#include "sluice/api/model.h"

namespace sluice::api {

class Api::Impl {
 public:
  explicit Impl(broker::Broker& broker) : broker_(broker), model_(ApiModel::Get()) {}
  broker::Broker& broker_;
  const ApiModel& model_;
};

Api::Api(broker::Broker& broker) : impl_(std::make_unique<Impl>(broker)) {}
Api::~Api() = default;

const std::vector<std::string>& Api::Operations() const { return impl_->model_.operations(); }

bool Api::HasOperation(std::string_view operation) const {
  const auto& names = impl_->model_.operations();
  return std::find(names.begin(), names.end(), operation) != names.end();
}

bool Api::Implements(std::string_view operation) const { return FindHandler(operation) != nullptr; }

void Api::Invoke(const RequestContext& context, std::string_view operation, Value input,
                 Reply reply) const {
  auto unsupported = [&] {
    reply(Status(ErrorCode::kUnknownOperation,
                 "Operation " + std::string(operation) + " is not supported by Sluice."));
  };
  const Shape* shape = impl_->model_.Input(operation);
  if (shape == nullptr) return unsupported();
  // The model is checked before anything else, as AWS's front end does, so an invalid request
  // gets AWS's ValidationException whether or not Sluice serves the operation.
  Status valid = ValidateInput(*shape, input);
  if (!valid.ok()) return reply(valid);
  Handler handler = FindHandler(operation);
  if (handler == nullptr) return unsupported();
  handler(Call{context, impl_->broker_, input}, std::move(reply));
}

bool Api::IsEventStream(std::string_view operation) const {
  return impl_->model_.EventStream(operation) != nullptr;
}

void Api::Subscribe(const RequestContext& context, std::string_view operation, Value input,
                    std::shared_ptr<EventSink> sink) const {
  const Shape* shape = impl_->model_.Input(operation);
  if (shape == nullptr || operation != "SubscribeToShard") {
    return sink->Ended(
        Status(ErrorCode::kUnknownOperation,
               "Operation " + std::string(operation) + " is not an event stream Sluice serves."));
  }
  Status valid = ValidateInput(*shape, input);
  if (!valid.ok()) return sink->Ended(valid);
  SubscribeToShard(context, impl_->broker_, input, std::move(sink));
}

}  // namespace sluice::api
