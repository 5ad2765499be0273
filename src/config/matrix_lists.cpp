#include "config/matrix_lists.h"

#include <algorithm>

#include "config/messages.h"

namespace config {

std::string value_text(const hcl::Value& value) { return hcl::to_string_value(value).value_or(""); }

namespace {

constexpr std::string_view kExcludeExample = "exclude = [{ compiler = \"clang\", build = \"debug\" }]";
constexpr std::string_view kIncludeExample = "include = [{ compiler = \"icc\", build = \"release\" }]";

// Values compare by their text, as instances are named: 17 and "17" are one.
bool same_value(const hcl::Value& a, const hcl::Value& b) { return value_text(a) == value_text(b); }

bool same_combination(const Combination& a, const Combination& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const auto& x, const auto& y) { return same_value(x.second, y.second); });
}

// Where entry `i` of `list` writes `key` (or, with `value`, the key's
// value), when the list and the entry are literals; else the entry's place.
Origin field_origin(const Expression& list, size_t i, std::string_view key, bool value) {
  Origin entry = element_origin(list, i);
  if (!list.expr || list.expr->kind != hcl::ExprKind::Tuple) return entry;
  const auto& tuple = hcl::as<hcl::TupleExpr>(*list.expr);
  if (i >= tuple.item_count) return entry;
  const hcl::Expr* item = tuple.items()[static_cast<uint32_t>(i)];
  if (item->kind != hcl::ExprKind::Object) return entry;
  for (const hcl::ObjectItem& field : hcl::as<hcl::ObjectExpr>(*item).items()) {
    if (field.key->kind != hcl::ExprKind::Literal) continue;
    const auto& literal = hcl::as<hcl::LiteralExpr>(*field.key);
    if (literal.literal == hcl::LiteralKind::String && list.file->text(literal.string) == key)
      return {list.file, value ? field.value->span : field.key->span};
  }
  return entry;
}

class MatrixLists {
 public:
  MatrixLists(const Pipeline& pipeline, const std::vector<hcl::Tuple>& axis_values, Evaluator& evaluator)
      : pipeline_(pipeline), axis_values_(axis_values), evaluator_(evaluator) {
    for (const auto& axis : pipeline.matrix) axes_.push_back(axis.name);
  }

  // Both lists are checked, so that errors in one do not hide the other's.
  std::optional<Expansion> apply(std::vector<Combination> product) {
    Expansion expansion{std::move(product), {}};
    const bool excluded = exclude(expansion);
    const bool included = include(expansion, excluded);
    if (!excluded || !included) return std::nullopt;
    return expansion;
  }

 private:
  // Moves the combinations an exclude entry matches to expansion.excluded.
  bool exclude(Expansion& expansion) {
    const Expression& list = pipeline_.matrix_exclude;
    if (!list.given()) return true;
    auto entries = evaluator_.object_list(list, "exclude", kExcludeExample);
    if (!entries) return false;
    bool ok = true;
    for (size_t i = 0; i < entries->size(); ++i)
      ok = known_axes(list, "exclude", i, (*entries)[i]) && values_taken(list, i, (*entries)[i]) && ok;
    if (!ok) return false;
    std::vector<Combination> kept;
    for (Combination& combination : expansion.combinations) {
      auto match = std::find_if(entries->begin(), entries->end(),
                                [&](const hcl::Object& entry) { return matches(entry, combination); });
      if (match == entries->end())
        kept.push_back(std::move(combination));
      else
        expansion.excluded.push_back({std::move(combination), "excluded by " + entry_text(*match)});
    }
    if (kept.empty())
      return fail(list.origin(), "exclude leaves pipeline \"" + pipeline_.name + "\" no combination",
                  "Every combination of the matrix's axes matches an entry, so the matrix would have no instance: "
                  "remove an entry, or the axis values no instance should have.");
    expansion.combinations = std::move(kept);
    return true;
  }

  // Appends each entry as a combination; one that exclude left out is no
  // longer. Without `excluded` (exclude failed), repeats cannot be told.
  bool include(Expansion& expansion, bool excluded) {
    const Expression& list = pipeline_.matrix_include;
    if (!list.given()) return true;
    auto entries = evaluator_.object_list(list, "include", kIncludeExample);
    if (!entries) return false;
    bool ok = true;
    for (size_t i = 0; i < entries->size(); ++i) {
      auto combination = known_axes(list, "include", i, (*entries)[i])
                             ? whole_combination(list, i, (*entries)[i])
                             : std::nullopt;
      if (!combination) {
        ok = false;
        continue;
      }
      if (!excluded) continue;
      auto same = [&](const Combination& other) { return same_combination(other, *combination); };
      if (std::any_of(expansion.combinations.begin(), expansion.combinations.end(), same)) {
        ok = fail(element_origin(list, i), "include repeats a combination of the matrix",
                  entry_text((*entries)[i]) + " is already an instance of pipeline \"" + pipeline_.name +
                      "\"; remove this entry.");
        continue;
      }
      std::erase_if(expansion.excluded, [&](const Excluded& left_out) { return same(left_out.combination); });
      expansion.combinations.push_back(std::move(*combination));
    }
    return ok;
  }

  // Whether entry `i` of `list` names only axes, with values that have a text form.
  bool known_axes(const Expression& list, const std::string& what, size_t i, const hcl::Object& entry) {
    bool ok = true;
    for (const auto& [key, value] : entry) {
      if (std::find(axes_.begin(), axes_.end(), key) == axes_.end())
        ok = fail(field_origin(list, i, key, false), "Unknown matrix axis \"" + key + "\" in " + what,
                  "The axes of pipeline \"" + pipeline_.name + "\" are " + join_names(axes_) + "." +
                      did_you_mean(key, axes_));
      else if (!hcl::to_string_value(value))
        ok = fail(field_origin(list, i, key, true),
                  "Value of matrix axis \"" + key + "\" must be a string, number or bool",
                  "Instances are named after their values, so each must have a text form.");
    }
    return ok;
  }

  // Whether each value of exclude entry `i` is one its axis takes: any other
  // would leave nothing out, most likely a typo.
  bool values_taken(const Expression& list, size_t i, const hcl::Object& entry) {
    bool ok = true;
    for (const auto& [key, value] : entry) {
      const hcl::Tuple& taken = axis_values_[axis_index(key)];
      auto same = [&](const hcl::Value& v) { return same_value(v, value); };
      if (std::any_of(taken.begin(), taken.end(), same)) continue;
      std::vector<std::string> quoted, texts;
      for (const hcl::Value& v : taken) {
        quoted.push_back(v.to_json());
        texts.push_back(value_text(v));
      }
      ok = fail(field_origin(list, i, key, true), "Matrix axis \"" + key + "\" has no value " + value.to_json(),
                "Axis " + key + " takes " + join_names(quoted) +
                    "; exclude leaves out combinations of those values only." + did_you_mean(value_text(value), texts));
    }
    return ok;
  }

  std::optional<Combination> whole_combination(const Expression& list, size_t i, const hcl::Object& entry) {
    Combination combination;
    std::vector<std::string> missing;
    for (const std::string& axis : axes_) {
      auto found = entry.find(axis);
      if (found == entry.end())
        missing.push_back(axis);
      else
        combination.emplace_back(axis, found->second);
    }
    if (missing.empty()) return combination;
    fail(element_origin(list, i),
         "Missing matrix " + std::string(missing.size() == 1 ? "axis " : "axes ") + join_names(missing) + " in include",
         "An include entry is a whole combination: give each axis (" + join_names(axes_) + ") a value.");
    return std::nullopt;
  }

  bool matches(const hcl::Object& entry, const Combination& combination) const {
    return std::all_of(entry.begin(), entry.end(), [&](const auto& field) {
      return same_value(combination[axis_index(field.first)].second, field.second);
    });
  }

  // `{ compiler = "clang", build = "debug" }`, in axis order.
  std::string entry_text(const hcl::Object& entry) const {
    std::string text;
    for (const std::string& axis : axes_)
      if (auto found = entry.find(axis); found != entry.end())
        text += (text.empty() ? "" : ", ") + axis + " = " + found->second.to_json();
    return "{ " + text + (text.empty() ? "}" : " }");
  }

  size_t axis_index(const std::string& axis) const {
    return static_cast<size_t>(std::find(axes_.begin(), axes_.end(), axis) - axes_.begin());
  }

  bool fail(const Origin& origin, std::string summary, std::string detail) {
    report(evaluator_.diagnostics(), origin, std::move(summary), std::move(detail));
    return false;
  }

  const Pipeline& pipeline_;
  const std::vector<hcl::Tuple>& axis_values_;
  Evaluator& evaluator_;
  std::vector<std::string> axes_;
};

}  // namespace

std::optional<Expansion> apply_exclude_include(const Pipeline& pipeline, const std::vector<hcl::Tuple>& axis_values,
                                               std::vector<Combination> product, Evaluator& evaluator) {
  return MatrixLists(pipeline, axis_values, evaluator).apply(std::move(product));
}

}  // namespace config
