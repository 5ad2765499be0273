#include "config/evaluator.h"

#include <algorithm>

#include "config/duration.h"
#include "config/messages.h"
#include "config/references.h"

namespace config {

namespace {

constexpr int kMaxCount = 100;
constexpr int kMaxPort = 65535;

}  // namespace

Origin element_origin(const Expression& e, size_t i) {
  if (e.expr && e.expr->kind == hcl::ExprKind::Tuple) {
    const auto& tuple = hcl::as<hcl::TupleExpr>(*e.expr);
    if (i < tuple.item_count) return {e.file, tuple.items()[static_cast<uint32_t>(i)]->span};
  }
  return e.origin();
}

template <class T>
std::optional<T> Evaluator::fail(const Origin& origin, std::string summary, std::string detail) {
  report(diags_, origin, std::move(summary), std::move(detail));
  failed_ = true;
  return std::nullopt;
}

void Evaluator::charge(const Expression& e, size_t bytes) {
  try {
    context_.budget->charge_bytes(bytes);
  } catch (const hcl::LimitExceeded& limit) {
    report(diags_, e.origin(), limit.summary, limit.detail);
    throw OutOfBudget{};
  }
}

bool Evaluator::skipped(const Expression& e) const {
  if (context_.skip.count(e.expr)) return true;
  if (context_.failed_locals.empty()) return false;
  auto refs = references(*e.expr, *e.file);
  return std::any_of(refs.begin(), refs.end(), [&](const Reference& r) {
    return r.root == "local" && context_.failed_locals.count(std::string(r.attribute));
  });
}

std::optional<hcl::Value> Evaluator::value(const Expression& e) {
  if (!e.given()) return std::nullopt;
  if (skipped(e)) {
    failed_ = true;
    return std::nullopt;
  }
  hcl::Diagnostics local;
  hcl::Value v = hcl::evaluate(*e.expr, e.file, scope_, local, *context_.budget);
  diags_.append(local);
  if (context_.budget->exhausted()) throw OutOfBudget{};
  if (local.has_errors()) {
    failed_ = true;
    return std::nullopt;
  }
  return v;
}

std::optional<std::string> Evaluator::string(const Expression& e, std::string_view what) {
  auto v = value(e);
  if (!v) return std::nullopt;
  if (auto s = hcl::to_string_value(*v)) {
    charge(e, s->size());
    return s;
  }
  return fail<std::string>(e.origin(), std::string(what) + " must be a string",
                           "It is " + describe(*v) + ".");
}

std::optional<std::vector<ListItem>> Evaluator::string_list(const Expression& e, std::string_view what) {
  auto v = value(e);
  if (!v) return std::nullopt;
  if (v->type() != hcl::Type::Tuple) {
    std::string example = v->type() == hcl::Type::String ? "[\"" + v->as_string() + "\"]" : "[\"a\", \"b\"]";
    return fail<std::vector<ListItem>>(e.origin(), std::string(what) + " must be a list of strings",
                                       "It is " + describe(*v) + "; write a list, e.g. " + example + ".");
  }
  std::vector<ListItem> items;
  const hcl::Tuple& tuple = v->as_tuple();
  for (size_t i = 0; i < tuple.size(); ++i) {
    auto s = hcl::to_string_value(tuple[i]);
    if (!s)
      return fail<std::vector<ListItem>>(element_origin(e, i), "Element of " + std::string(what) + " must be a string",
                                         "It is " + describe(tuple[i]) + ".");
    charge(e, s->size() + hcl::kElementBytes);
    items.push_back({std::move(*s), element_origin(e, i)});
  }
  return items;
}

std::optional<core::Env> Evaluator::env(const Expression& e) {
  auto v = value(e);
  if (!v) return std::nullopt;
  if (v->type() != hcl::Type::Object)
    return fail<core::Env>(e.origin(), "env must be an object of strings",
                           "It is " + describe(*v) + "; write e.g. env = { CC = \"gcc\" }.");
  core::Env env;
  for (const auto& [name, item] : v->as_object()) {
    auto s = hcl::to_string_value(item);
    if (!s)
      return fail<core::Env>(e.origin(), "env value " + name + " must be a string, number or bool",
                             "It is " + describe(item) + "; an environment variable holds text.");
    charge(e, name.size() + s->size());
    env[name] = std::move(*s);
  }
  return env;
}

std::optional<std::chrono::milliseconds> Evaluator::duration(const Expression& e, std::string_view what) {
  auto v = value(e);
  if (!v) return std::nullopt;
  if (v->type() != hcl::Type::String)
    return fail<std::chrono::milliseconds>(e.origin(), std::string(what) + " must be a duration string",
                                           "It is " + describe(*v) + "; write e.g. \"30s\", \"10m\" or \"1h30m\".");
  std::string error;
  if (auto d = parse_duration(v->as_string(), error)) return d;
  return fail<std::chrono::milliseconds>(e.origin(), "Invalid " + std::string(what), error + ".");
}

std::optional<int> Evaluator::count(const Expression& e, std::string_view what) {
  auto v = value(e);
  if (!v) return std::nullopt;
  auto n = hcl::to_number_value(*v);
  if (!n || !n->is_integer() || n->as_int() < 0 || n->as_int() > kMaxCount)
    return fail<int>(e.origin(), std::string(what) + " must be a whole number from 0 to " + std::to_string(kMaxCount),
                     "It is " + describe(*v) + ".");
  return static_cast<int>(n->as_int());
}

namespace {

bool is_port(const hcl::Value& v) {
  auto n = hcl::to_number_value(v);
  return n && n->is_integer() && n->as_int() >= 1 && n->as_int() <= kMaxPort;
}

std::string port_help(const hcl::Value& v) { return "It is " + describe(v) + "; a port is a whole number from 1 to 65535."; }

}  // namespace

std::optional<int> Evaluator::port(const Expression& e, std::string_view what) {
  auto v = value(e);
  if (!v) return std::nullopt;
  if (!is_port(*v)) return fail<int>(e.origin(), std::string(what) + " must be a port", port_help(*v));
  return static_cast<int>(hcl::to_number_value(*v)->as_int());
}

std::optional<std::vector<int>> Evaluator::port_list(const Expression& e, std::string_view what) {
  auto v = value(e);
  if (!v) return std::nullopt;
  if (v->type() != hcl::Type::Tuple)
    return fail<std::vector<int>>(e.origin(), std::string(what) + " must be a list of ports",
                                  "It is " + describe(*v) + "; write e.g. [5432].");
  std::vector<int> ports;
  const hcl::Tuple& tuple = v->as_tuple();
  for (size_t i = 0; i < tuple.size(); ++i) {
    if (!is_port(tuple[i]))
      return fail<std::vector<int>>(element_origin(e, i), "Element of " + std::string(what) + " must be a port",
                                    port_help(tuple[i]));
    ports.push_back(static_cast<int>(hcl::to_number_value(tuple[i])->as_int()));
  }
  return ports;
}

void Evaluator::error(const Origin& origin, std::string summary, std::string detail) {
  fail<bool>(origin, std::move(summary), std::move(detail));
}

std::optional<bool> Evaluator::boolean(const Expression& e, std::string_view what) {
  auto v = value(e);
  if (!v) return std::nullopt;
  if (auto b = hcl::to_bool_value(*v)) return b;
  return fail<bool>(e.origin(), std::string(what) + " must be true or false", "It is " + describe(*v) + ".");
}

std::optional<std::vector<hcl::Object>> Evaluator::object_list(const Expression& e, std::string_view what,
                                                               std::string_view example) {
  auto v = value(e);
  if (!v) return std::nullopt;
  if (v->type() != hcl::Type::Tuple)
    return fail<std::vector<hcl::Object>>(e.origin(), std::string(what) + " must be a list of objects",
                                          "It is " + describe(*v) + "; write e.g. " + std::string(example) + ".");
  std::vector<hcl::Object> objects;
  const hcl::Tuple& tuple = v->as_tuple();
  for (size_t i = 0; i < tuple.size(); ++i) {
    if (tuple[i].type() != hcl::Type::Object)
      return fail<std::vector<hcl::Object>>(
          element_origin(e, i), "Element of " + std::string(what) + " must be an object",
          "It is " + describe(tuple[i]) + "; write e.g. " + std::string(example) + ".");
    const hcl::Object& object = tuple[i].as_object();
    size_t bytes = hcl::kElementBytes;
    for (const auto& [name, unused] : object) bytes += name.size() + hcl::kElementBytes;
    charge(e, bytes);
    objects.push_back(object);
  }
  return objects;
}

}  // namespace config
