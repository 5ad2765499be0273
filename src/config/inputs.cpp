#include "config/inputs.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "config/messages.h"
#include "core/utf8.h"

namespace config {

namespace {

// A select of more would not be a choice anyone makes by reading it.
constexpr size_t kMaxOptions = 100;
// Values echoed in messages are cut here: a message must stay readable.
constexpr size_t kShownBytes = 100;

const std::vector<std::string>& type_names() {
  static const std::vector<std::string> names{"string", "number", "bool"};
  return names;
}

// What a value of the type is, for "... is not a number".
std::string_view kind_of(Input::Type type) {
  switch (type) {
    case Input::Type::String: return "a string";
    case Input::Type::Number: return "a number";
    case Input::Type::Bool: return "true or false";
  }
  return "";
}

// `value` as an input of `type` holds it: canonical text ("3.0" → "3"); nullopt when it is not one.
std::optional<std::string> canonical(Input::Type type, const hcl::Value& value) {
  switch (type) {
    case Input::Type::String:
      return hcl::to_string_value(value);
    case Input::Type::Number: {
      auto number = hcl::to_number_value(value);
      if (!number || (!number->is_integer() && !std::isfinite(number->as_double()))) return std::nullopt;
      return number->to_string();
    }
    case Input::Type::Bool: {
      auto flag = hcl::to_bool_value(value);
      if (!flag) return std::nullopt;
      return std::string(*flag ? "true" : "false");
    }
  }
  return std::nullopt;
}

// "\"text\"", cut at a character boundary when long.
std::string in_quotes(std::string_view text) {
  std::string_view shown = core::utf8_prefix(text, kShownBytes);
  return "\"" + std::string(shown) + (shown.size() < text.size() ? "…\"" : "\"");
}

std::string in_quotes_list(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& value : values) out += (out.empty() ? "" : ", ") + in_quotes(value);
  return out;
}

// Why the canonical `text` is not a value of `input` (too long, not one of its options), or nullopt.
std::optional<std::string> refusal(const Input& input, const std::string& text) {
  if (text.size() > core::kMaxInputBytes)
    return in_quotes(text) + " is longer than " + std::to_string(core::kMaxInputBytes) + " bytes";
  if (!input.options.empty() && std::find(input.options.begin(), input.options.end(), text) == input.options.end())
    return in_quotes(text) + " is not one of " + in_quotes_list(input.options);
  return std::nullopt;
}

// `input.NAME` needs NAME to be an HCL identifier.
bool is_identifier(std::string_view name) {
  auto letter = [](unsigned char c) { return std::isalpha(c) || c == '_'; };
  return !name.empty() && letter(name.front()) && std::all_of(name.begin(), name.end(), [&](unsigned char c) {
           return letter(c) || std::isdigit(c) || c == '-';
         });
}

// The type is a keyword (type = number), or a string naming one.
std::optional<Input::Type> read_type(const Input& input, Evaluator& evaluator) {
  const Expression& e = input.type_expr;
  if (!e.given()) return Input::Type::String;
  std::optional<std::string> name;
  if (e.expr->kind == hcl::ExprKind::Variable)
    name = std::string(e.file->slice(e.expr->span));
  else
    name = evaluator.string(e, "type");
  if (!name) return std::nullopt;
  const auto& names = type_names();
  if (auto it = std::find(names.begin(), names.end(), *name); it != names.end())
    return static_cast<Input::Type>(it - names.begin());
  report(evaluator.diagnostics(), e.origin(), "Unknown input type \"" + *name + "\"",
         "An input's type is string, number or bool; for a choice, add options = [...] to a string or a number." +
             did_you_mean(*name, names));
  return std::nullopt;
}

std::vector<std::string> read_options(const Input& input, Evaluator& evaluator) {
  const Expression& e = input.options_expr;
  hcl::Diagnostics& diags = evaluator.diagnostics();
  if (!e.given()) return {};
  if (input.type == Input::Type::Bool) {
    report(diags, e.origin(), "A bool input takes no options",
           "Its value is true or false; remove options, or make it a string: type = string.");
    return {};
  }
  auto value = evaluator.value(e);
  if (!value) return {};
  if (value->type() != hcl::Type::Tuple || value->as_tuple().empty() || value->as_tuple().size() > kMaxOptions) {
    report(diags, e.origin(), "options must be a list of 1 to " + std::to_string(kMaxOptions) + " values",
           "It is " + describe(*value) + "; write the values a run chooses from, e.g. options = [\"staging\", "
           "\"production\"].");
    return {};
  }
  std::vector<std::string> options;
  const hcl::Tuple& items = value->as_tuple();
  for (size_t i = 0; i < items.size(); ++i) {
    auto text = canonical(input.type, items[i]);
    if (!text || text->size() > core::kMaxInputBytes) {
      report(diags, element_origin(e, i), "Option of input \"" + input.name + "\" must be " +
                                              std::string(kind_of(input.type)),
             "It is " + describe(items[i]) + (text ? ", longer than " + std::to_string(core::kMaxInputBytes) +
                                                         " bytes."
                                                   : "."));
      return {};
    }
    if (std::find(options.begin(), options.end(), *text) != options.end())
      report(diags, element_origin(e, i), "Duplicate option " + in_quotes(*text),
             "Each of an input's options is listed once.");
    else
      options.push_back(std::move(*text));
  }
  return options;
}

// Reported after the type and the options, which it must match.
std::optional<std::string> read_default(const Input& input, Evaluator& evaluator) {
  const Expression& e = input.default_expr;
  auto value = evaluator.value(e);
  if (!value || value->is_null()) return std::nullopt;
  auto text = canonical(input.type, *value);
  if (!text) {
    report(evaluator.diagnostics(), e.origin(),
           "Default of input \"" + input.name + "\" must be " + std::string(kind_of(input.type)),
           "It is " + describe(*value) + ", and the input's type is " + std::string(type_name(input.type)) + ".");
    return std::nullopt;
  }
  if (auto why = refusal(input, *text)) {
    report(evaluator.diagnostics(), e.origin(), "Default of input \"" + input.name + "\" is not allowed",
           *why + "; a run that does not give the input takes its default.");
    return std::nullopt;
  }
  return text;
}

// An input's value where an event does not give one.
std::string empty_text(const Input& input) {
  if (!input.options.empty()) return input.options.front();
  switch (input.type) {
    case Input::Type::String: return "";
    case Input::Type::Number: return "0";
    case Input::Type::Bool: return "false";
  }
  return "";
}

hcl::Value typed(Input::Type type, const std::string& text) {
  switch (type) {
    case Input::Type::String: return text;
    case Input::Type::Number: return hcl::Number::parse(text).value_or(hcl::Number{});
    case Input::Type::Bool: return text == "true";
  }
  return {};
}

const Input* find_input(const Configuration& cfg, std::string_view name) {
  auto it = std::find_if(cfg.inputs.begin(), cfg.inputs.end(), [&](const Input& input) { return input.name == name; });
  return it == cfg.inputs.end() ? nullptr : &*it;
}

std::string undeclared(const Configuration& cfg, const std::string& name) {
  std::vector<std::string> names;
  for (const Input& input : cfg.inputs) names.push_back(input.name);
  std::string message = "input " + in_quotes(name) + " is not declared in .factory/";
  if (names.empty()) return message + ", which declares no inputs";
  if (std::string near = closest(name, names); !near.empty()) return message + "; did you mean \"" + near + "\"?";
  return message + ", which declares " + in_quotes_list(names);
}

}  // namespace

std::string_view type_name(Input::Type type) { return type_names()[static_cast<size_t>(type)]; }

void evaluate_inputs(Configuration& cfg, const std::set<const hcl::Expr*>& skip, hcl::Diagnostics& diags,
                     hcl::Budget& budget) {
  EvaluationContext context;
  context.budget = &budget;
  context.skip = skip;
  hcl::Scope constants;
  Evaluator evaluator(context, constants, diags);
  for (size_t i = 0; i < cfg.inputs.size(); ++i) {
    Input& input = cfg.inputs[i];
    if (i == core::kMaxInputs)
      report(diags, input.origin, "More than " + std::to_string(core::kMaxInputs) + " inputs",
             "A manual run's form holds at most " + std::to_string(core::kMaxInputs) + " inputs.");
    if (!is_identifier(input.name))
      report(diags, input.origin, "Input name \"" + input.name + "\" is not an identifier",
             "Expressions read it as input.NAME: use letters, digits, '_' and '-', starting with a letter.");
    auto type = read_type(input, evaluator);
    if (!type) continue;
    input.type = *type;
    input.options = read_options(input, evaluator);
    input.default_value = read_default(input, evaluator);
    input.description = evaluator.string(input.description_expr, "description").value_or("");
  }
}

ResolvedInputs resolve_inputs(const Configuration& cfg, const std::map<std::string, std::string>& given) {
  ResolvedInputs result;
  for (const Input& input : cfg.inputs) {
    const std::string name = "input \"" + input.name + "\"";
    auto it = given.find(input.name);
    if (it == given.end()) {
      if (input.default_value)
        result.values[input.name] = *input.default_value;
      else
        result.problems.push_back({input.name, name + " is required: it has no default"});
      continue;
    }
    auto text = canonical(input.type, it->second);
    if (!text)
      result.problems.push_back({input.name, name + ": " + in_quotes(it->second) + " is not " +
                                                 std::string(kind_of(input.type))});
    else if (auto why = refusal(input, *text))
      result.problems.push_back({input.name, name + ": " + *why});
    else
      result.values[input.name] = std::move(*text);
  }
  for (const auto& [name, value] : given)
    if (!find_input(cfg, name)) result.problems.push_back({name, undeclared(cfg, name)});
  return result;
}

hcl::Object input_values(const Configuration& cfg, const core::Event& event) {
  std::map<std::string, std::string> given;
  if (event.name == "manual") given = resolve_inputs(cfg, event.inputs).values;
  hcl::Object values;
  for (const Input& input : cfg.inputs) {
    auto it = given.find(input.name);
    values[input.name] =
        typed(input.type, it != given.end() ? it->second : input.default_value.value_or(empty_text(input)));
  }
  return values;
}

bool report_input_problems(const Configuration& cfg, const core::Event& event, hcl::Diagnostics& diags) {
  if (event.name != "manual") return false;
  const ResolvedInputs resolved = resolve_inputs(cfg, event.inputs);
  for (const InputProblem& problem : resolved.problems) {
    const Input* input = find_input(cfg, problem.input);
    report(diags, input ? input->origin : Origin{}, problem.message,
           "A manual run's inputs are checked against the input blocks of .factory/ at the commit it runs.");
  }
  return !resolved.problems.empty();
}

}  // namespace config
