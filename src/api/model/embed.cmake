# Turns the JSON model into a C++ source holding it as a byte array (a string literal that long
# would trip -Woverlength-strings).
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUTPUT}"
  "// Generated from ${INPUT} by embed.cmake. Do not edit.\n"
  "#include <cstddef>\n"
  "namespace sluice::api {\n"
  "extern const unsigned char kKinesisModel[] = {${bytes} 0x00};\n"
  "extern const std::size_t kKinesisModelSize = sizeof(kKinesisModel) - 1;\n"
  "}  // namespace sluice::api\n")
