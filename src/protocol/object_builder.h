#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sluice/api/api.h"

namespace sluice::protocol {

// Builds an api::Value object member by member in time linear in its members. (nlohmann's
// ordered objects find a key by a linear search, so `object[key] = value` for n members costs
// n^2 / 2 comparisons: a request body of one wide object or map could take minutes of CPU.)
// A repeated key keeps its first place and takes the last value, as `object[key] = value` does.
class ObjectBuilder {
 public:
  void Set(std::string_view key, api::Value value) {
    auto& members = object_.get_ref<api::Value::object_t&>();
    size_t at = members.size();
    if (members.size() < kIndexFrom) {
      for (size_t i = 0; i < members.size(); ++i) {
        if (Member(i).first == key) at = i;
      }
    } else {
      if (index_.empty()) {  // the object just became wide: index what it holds
        for (size_t i = 0; i < members.size(); ++i) index_.emplace(Member(i).first, i);
      }
      at = index_.try_emplace(std::string(key), members.size()).first->second;
    }
    if (at < members.size()) {
      Member(at).second = std::move(value);
    } else {
      members.emplace_back(std::string(key), std::move(value));
    }
  }
  api::Value Take() { return std::move(object_); }

 private:
  static constexpr size_t kIndexFrom = 16;
  api::Value::object_t::value_type& Member(size_t i) {
    auto& members = object_.get_ref<api::Value::object_t&>();
    return *(members.begin() + static_cast<std::ptrdiff_t>(i));
  }

  api::Value object_ = api::Value::object();
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace sluice::protocol
