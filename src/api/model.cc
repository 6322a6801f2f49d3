#include "sluice/api/model.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "api/pattern_matcher.h"

namespace sluice::api {

extern const unsigned char kKinesisModel[];
extern const std::size_t kKinesisModelSize;

namespace {

Shape::Type TypeFromName(const std::string& name) {
  if (name == "structure") return Shape::Type::kStructure;
  if (name == "integer") return Shape::Type::kInteger;
  if (name == "long") return Shape::Type::kLong;
  if (name == "boolean") return Shape::Type::kBoolean;
  if (name == "blob") return Shape::Type::kBlob;
  if (name == "timestamp") return Shape::Type::kTimestamp;
  if (name == "list") return Shape::Type::kList;
  if (name == "map") return Shape::Type::kMap;
  return Shape::Type::kString;
}

}  // namespace

const ApiModel& ApiModel::Get() {
  static const ApiModel model;
  return model;
}

ApiModel::ApiModel() {
  auto doc = nlohmann::ordered_json::parse(
      std::string_view(reinterpret_cast<const char*>(kKinesisModel), kKinesisModelSize));
  const auto& shapes = doc.at("shapes");
  // Two passes: create every shape, then link members (shapes refer to each other by name).
  for (const auto& [name, spec] : shapes.items()) {
    Shape& shape = shapes_[name];
    shape.name = name;
    shape.type = TypeFromName(spec.at("type").get<std::string>());
    if (spec.contains("min")) shape.min = spec["min"].get<int64_t>();
    if (spec.contains("max")) shape.max = spec["max"].get<int64_t>();
    if (spec.contains("pattern")) {
      shape.pattern_text = spec["pattern"].get<std::string>();
      // A construct the matcher does not know stops the server as the model loads (at start),
      // rather than being matched wrongly on a request.
      auto matcher = PatternMatcher::Compile(shape.pattern_text);
      if (!matcher.ok()) {
        throw std::logic_error("API model shape " + name + ": " + matcher.status().message());
      }
      shape.pattern = std::make_shared<const PatternMatcher>(std::move(matcher).value());
    }
    if (spec.contains("enum")) shape.enum_values = spec["enum"].get<std::vector<std::string>>();
    shape.event_stream = spec.value("eventstream", false);
  }
  auto lookup = [this](const nlohmann::ordered_json& ref) {
    return &shapes_.at(ref.at("shape").get<std::string>());
  };
  for (const auto& [name, spec] : shapes.items()) {
    Shape& shape = shapes_.at(name);
    if (spec.contains("members")) {
      std::vector<std::string> required;
      if (spec.contains("required")) required = spec["required"].get<std::vector<std::string>>();
      for (const auto& [member_name, member_spec] : spec["members"].items()) {
        bool is_required =
            std::find(required.begin(), required.end(), member_name) != required.end();
        shape.members.push_back({member_name, lookup(member_spec), is_required});
      }
    }
    if (spec.contains("member")) shape.member = lookup(spec["member"]);
    if (spec.contains("key")) shape.key = lookup(spec["key"]);
    if (spec.contains("value")) shape.value = lookup(spec["value"]);
  }
  for (const auto& [name, spec] : doc.at("operations").items()) {
    operations_.push_back(name);
    inputs_[name] = spec.contains("input") ? lookup(spec["input"]) : nullptr;
    outputs_[name] = spec.contains("output") ? lookup(spec["output"]) : nullptr;
  }
}

const Shape* ApiModel::Input(std::string_view operation) const {
  auto it = inputs_.find(operation);
  return it == inputs_.end() ? nullptr : it->second;
}

const Shape* ApiModel::Output(std::string_view operation) const {
  auto it = outputs_.find(operation);
  return it == outputs_.end() ? nullptr : it->second;
}

const Shape* ApiModel::EventStream(std::string_view operation) const {
  const Shape* output = Output(operation);
  if (output == nullptr) return nullptr;
  for (const auto& member : output->members) {
    if (member.shape->event_stream) return member.shape;
  }
  return nullptr;
}

}  // namespace sluice::api
