#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::api {

class PatternMatcher;  // src/api/pattern_matcher.h

// One shape of the Kinesis API model, reduced to what validation and the wire codecs need: the
// codecs in protocol/ walk a request or reply along its shape to tell blobs and timestamps from
// strings and numbers, since the encoding-neutral api::Value cannot say so by itself.
struct Shape {
  enum class Type {
    kStructure,
    kString,
    kInteger,
    kLong,
    kBoolean,
    kBlob,
    kTimestamp,
    kList,
    kMap
  };
  struct Member {
    std::string name;
    const Shape* shape = nullptr;
    bool required = false;
  };

  std::string name;
  Type type = Type::kString;
  std::optional<int64_t> min;  // length for strings, blobs, lists, maps; value for numbers
  std::optional<int64_t> max;
  std::string pattern_text;
  // `pattern_text` compiled when the model loads, matched in linear time rather than with
  // std::regex (src/api/pattern_matcher.h says why). A pointer, so that this header needs only
  // the matcher's declaration; null when the shape has no pattern.
  std::shared_ptr<const PatternMatcher> pattern;
  std::vector<std::string> enum_values;
  std::vector<Member> members;  // structures, in model order
  // An event stream's union of event shapes (SubscribeToShardEventStream): its members are the
  // events and exceptions one stream can carry.
  bool event_stream = false;
  const Shape* member = nullptr;  // lists
  const Shape* key = nullptr;     // maps
  const Shape* value = nullptr;   // maps
};

// The embedded official model (src/api/model/kinesis-2013-12-02.json), parsed once.
class ApiModel {
 public:
  static const ApiModel& Get();

  // The input shape of `operation`, or nullptr when the model has no such operation.
  const Shape* Input(std::string_view operation) const;
  // The output shape of `operation`, or nullptr when it has none (CreateStream, DeleteStream,
  // tag and retention calls) or the model has no such operation.
  const Shape* Output(std::string_view operation) const;
  // The event stream an operation answers with (the output member whose shape is one), or
  // nullptr for operations with one reply.
  const Shape* EventStream(std::string_view operation) const;
  const std::vector<std::string>& operations() const { return operations_; }

 private:
  ApiModel();
  std::map<std::string, Shape, std::less<>> shapes_;
  std::map<std::string, const Shape*, std::less<>> inputs_;
  std::map<std::string, const Shape*, std::less<>> outputs_;
  std::vector<std::string> operations_;
};

}  // namespace sluice::api
