#pragma once

#include "sluice/api/api.h"
#include "sluice/api/model.h"
#include "sluice/common/status.h"

namespace sluice::api {

// Checks `input` against `shape` the way AWS's front end does, in two passes:
//  1. types: a member of the wrong JSON type, or a blob that is not strict base64, is a
//     SerializationException with Coral's text. Unknown members and nulls are dropped. Blobs
//     are decoded in place into binary values, so handlers see bytes whatever the encoding.
//  2. constraints: required members, lengths, ranges, patterns and enums, collected (at most
//     ten) into one ValidationException: "N validation errors detected: Value ... at 'path'
//     failed to satisfy constraint: ...".
Status ValidateInput(const Shape& shape, Value& input);

}  // namespace sluice::api
