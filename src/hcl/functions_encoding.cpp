// Encoding functions: JSON, base64 and URL query escaping.
#include <cctype>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "hcl/functions_support.h"

namespace hcl::fn {

namespace {

constexpr int kMaxJsonDepth = 1000;

Value from_json(const nlohmann::json& j, int depth) {
  if (depth > kMaxJsonDepth) fail_arg(0, "str", "JSON nested more than 1000 levels deep");
  switch (j.type()) {
    case nlohmann::json::value_t::boolean: return j.get<bool>();
    case nlohmann::json::value_t::number_integer: return j.get<int64_t>();
    case nlohmann::json::value_t::number_unsigned: {
      auto u = j.get<uint64_t>();
      return u <= static_cast<uint64_t>(INT64_MAX) ? Value(static_cast<int64_t>(u)) : Value(static_cast<double>(u));
    }
    case nlohmann::json::value_t::number_float: return j.get<double>();
    case nlohmann::json::value_t::string: return j.get<std::string>();
    case nlohmann::json::value_t::array: {
      Tuple items;
      for (const auto& item : j) items.push_back(from_json(item, depth + 1));
      return items;
    }
    case nlohmann::json::value_t::object: {
      Object members;
      for (const auto& [key, item] : j.items()) members.insert_or_assign(key, from_json(item, depth + 1));
      return members;
    }
    default: return Value();
  }
}

Value jsondecode(Args args) {
  std::string text = string_arg(args, 0, "str");
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) fail_arg(0, "str", "the given string is not valid JSON");
  return from_json(j, 0);
}

// Go's json.Marshal escaping (<, > and & too), as HCL's jsonencode.
Value jsonencode(Args args) { return args[0].to_json(true); }

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

Value base64encode(Args args) {
  std::string in = string_arg(args, 0, "str");
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t chunk = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) chunk |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) chunk |= static_cast<unsigned char>(in[i + 2]);
    out += kBase64[(chunk >> 18) & 63];
    out += kBase64[(chunk >> 12) & 63];
    out += i + 1 < in.size() ? kBase64[(chunk >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kBase64[chunk & 63] : '=';
  }
  return out;
}

// Decoding replaces each bad byte by U+FFFD, so only valid text round-trips.
bool valid_utf8(std::string_view s) { return encode_utf8(decode_utf8(s)) == s; }

Value base64decode(Args args) {
  std::string in = string_arg(args, 0, "str");
  if (in.size() % 4 != 0) fail_arg(0, "str", "the given value has an invalid length for base64");
  std::string out;
  uint32_t chunk = 0;
  int bits = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '=' && i + 2 >= in.size() && in.find_first_not_of('=', i) == std::string::npos) break;
    const char* at = std::char_traits<char>::find(kBase64, 64, in[i]);
    if (!at) fail_arg(0, "str", "the given value has an invalid base64 symbol at offset " + std::to_string(i));
    chunk = (chunk << 6) | static_cast<uint32_t>(at - kBase64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((chunk >> bits) & 0xFF);
    }
  }
  if (!valid_utf8(out)) fail_arg(0, "str", "the result of decoding the provided string is not valid UTF-8");
  return out;
}

// Go's url.QueryEscape: spaces become '+', unreserved characters stay.
Value urlencode(Args args) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : string_arg(args, 0, "str")) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

}  // namespace

std::vector<Function> encoding_functions() {
  return {
      {"jsonencode", 1, 1, "jsonencode(val)", jsonencode},
      {"jsondecode", 1, 1, "jsondecode(str)", jsondecode},
      {"base64encode", 1, 1, "base64encode(str)", base64encode},
      {"base64decode", 1, 1, "base64decode(str)", base64decode},
      {"urlencode", 1, 1, "urlencode(str)", urlencode},
  };
}

}  // namespace hcl::fn
