#pragma once

#include "sluice/api/api.h"
#include "sluice/api/model.h"
#include "sluice/common/status.h"

namespace sluice::api {

// Checks a neutral request value (as a wire codec decoded it, see api.h) against `shape` the way
// AWS's front end does:
//  1. representation: a member that is not the model's neutral type (a base64 string where the
//     model wants a blob, say) is a SerializationException. The codecs already answered wrong
//     wire types with AWS's texts, so this only catches callers that bypass them.
//  2. constraints: required members, lengths, ranges, patterns and enums, collected (at most
//     ten) into one ValidationException: "N validation errors detected: Value ... at 'path'
//     failed to satisfy constraint: ...".
Status ValidateInput(const Shape& shape, const Value& input);

}  // namespace sluice::api
