#include "server/config_file.h"

#include <unistd.h>

#include <algorithm>

#include "hcl/eval.h"
#include "hcl/functions.h"
#include "hcl/parser.h"

namespace server {

namespace {

std::string known_list(std::span<const std::string_view> known) {
  std::string list;
  for (std::size_t i = 0; i < known.size(); ++i) {
    if (i > 0) list += i + 1 == known.size() ? " and " : ", ";
    list += known[i];
  }
  return list;
}

void unknown_attribute(const hcl::File& file, const hcl::Attribute& attribute,
                       std::span<const std::string_view> known, hcl::Diagnostics& diags) {
  std::string detail = "A server configuration file takes the attributes " + known_list(known) + ".";
  const std::string_view name = file.source->slice(attribute.name_span);
  const std::string_view suggestion = hcl::closest_name(name, known);
  if (!suggestion.empty()) detail += " Did you mean \"" + std::string{suggestion} + "\"?";
  diags.error(file.source, attribute.name_span, "Unknown attribute \"" + std::string{name} + "\"",
              std::move(detail));
}

// `env`: the process environment as an object of strings.
hcl::Object environment_object() {
  hcl::Object variables;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text{*entry};
    const auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    variables.emplace(text.substr(0, equals), hcl::Value{text.substr(equals + 1)});
  }
  return variables;
}

}  // namespace

FileValues read_config_file(const std::filesystem::path& path, std::span<const std::string_view> known,
                            hcl::Diagnostics& diags) {
  FileValues values;
  hcl::File file = hcl::parse_file(path, diags);
  if (diags.has_errors()) return values;
  for (const hcl::Block& block : file.body->blocks()) {
    const std::string type{file.source->slice(block.type_span)};
    diags.error(file.source, block.type_span, "Unexpected block \"" + type + "\"",
                "A server configuration file holds attributes only, such as listen = \"127.0.0.1:8080\".");
  }
  hcl::Scope scope;
  scope.variables.emplace("env", environment_object());
  for (const hcl::Attribute& attribute : file.body->attributes()) {
    const std::string_view name = file.source->slice(attribute.name_span);
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      unknown_attribute(file, attribute, known, diags);
      continue;
    }
    const hcl::Value value = hcl::evaluate(*attribute.expr, file.source, scope, diags);
    if (value.is_null()) continue;
    const auto text = hcl::to_string_value(value);
    if (!text) {
      diags.error(file.source, attribute.expr->span, "Wrong type for \"" + std::string{name} + "\"",
                  "Expected a string, got a " + std::string{hcl::type_name(value.type())} + ".");
      continue;
    }
    values.emplace(name, FileValue{*text, hcl::make_range(file.source, attribute.expr->span)});
  }
  return values;
}

}  // namespace server
