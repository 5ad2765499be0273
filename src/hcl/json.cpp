// hcl2json: the syntax tree as JSON, without evaluating anything. Literal
// values become JSON values; templates keep their text (with directives
// written back as %{...}); every other expression becomes "${source}".
// Numbers and layout follow the reference converter's output (JavaScript's
// JSON.stringify with a two-space indent), keys sorted.
#include "hcl/json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>


namespace hcl {

namespace {

// Shortest round-trip digits, laid out the way JavaScript prints numbers:
// plain decimals from 1e-7 up to 1e21, exponent form beyond.
std::string js_number(const Number& n) {
  if (n.is_integer()) return std::to_string(n.as_int());
  double d = n.as_double();
  if (!std::isfinite(d)) return "null";
  if (d == 0) return "0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, std::fabs(d), std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));  // d.ddde±xx
  size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos))
    if (c != '.') digits += c;
  int exponent = std::stoi(std::string(sci.substr(e_pos + 1)));
  int k = static_cast<int>(digits.size());
  int point = exponent + 1;  // digits before the decimal point
  std::string out = d < 0 ? "-" : "";
  if (k <= point && point <= 21) {
    out += digits + std::string(point - k, '0');
  } else if (0 < point && point <= 21) {
    out += digits.substr(0, point) + "." + digits.substr(point);
  } else if (-6 < point && point <= 0) {
    out += std::string("0.") + std::string(-point, '0') + digits;
  } else {
    out += digits.substr(0, 1);
    if (k > 1) out += '.' + digits.substr(1);
    out += std::string("e") + (exponent < 0 ? "-" : "+") + std::to_string(std::abs(exponent));
  }
  return out;
}


// Literal text inside a template, escaped again so that "${" stays literal.
void append_template_literal(std::string& out, std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if ((s[i] == '$' || s[i] == '%') && i + 1 < s.size() && s[i + 1] == '{') out += s[i];
    out += s[i];
  }
}

bool is_traversal(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Variable: return true;
    case ExprKind::GetAttr: return is_traversal(*as<GetAttrExpr>(e).object);
    case ExprKind::Index: {
      const auto& ix = as<IndexExpr>(e);
      return ix.key->kind == ExprKind::Literal && is_traversal(*ix.collection);
    }
    default: return false;
  }
}

class Converter {
 public:
  explicit Converter(const SourceFile& source) : source_(source) {}

  void body(const Body& b, int indent);
  std::string out;

 private:
  void value(const Expr& e, int indent);
  void tuple(const TupleExpr& t, int indent);
  void object(const ObjectExpr& o, int indent);
  void blocks(std::vector<const Block*>::const_iterator begin, std::vector<const Block*>::const_iterator end,
              size_t level, int indent);
  bool literal_value(const Expr& e);
  void template_part(std::string& text, const Expr& e);
  void template_parts(std::string& text, const TemplateExpr* t);
  std::string wrapped(const Expr& e) const { return "${" + std::string(source_.slice(e.span)) + "}"; }
  std::string object_key(const ObjectItem& item);
  bool block_order(const Block* a, const Block* b) const;

  void newline(int indent) {
    out += '\n';
    out.append(static_cast<size_t>(indent) * 2, ' ');
  }
  void key(std::string_view k, int indent) {
    newline(indent);
    append_json_string(k, false, out);
    out += ": ";
  }

  const SourceFile& source_;
};

bool Converter::literal_value(const Expr& e) {
  if (e.kind == ExprKind::Literal) {
    const auto& lit = as<LiteralExpr>(e);
    switch (lit.literal) {
      case LiteralKind::Null: out += "null"; break;
      case LiteralKind::Bool: out += lit.boolean ? "true" : "false"; break;
      case LiteralKind::Number: out += js_number(lit.number()); break;
      case LiteralKind::String: {
        std::string text;
        append_template_literal(text, source_.text(lit.string));
        append_json_string(text, false, out);
        break;
      }
    }
    return true;
  }
  if (e.kind != ExprKind::Unary) return false;
  // -1.5 and !true are literals to the reader, so they print as values.
  const auto& u = as<UnaryExpr>(e);
  if (u.operand->kind != ExprKind::Literal) return false;
  const auto& lit = as<LiteralExpr>(*u.operand);
  if (u.op == UnaryOp::Not && lit.literal == LiteralKind::Bool) {
    out += lit.boolean ? "false" : "true";
    return true;
  }
  if (u.op != UnaryOp::Negate || lit.literal != LiteralKind::Number) return false;
  Number n = lit.number();
  bool exact = n.is_integer() && n.as_int() != INT64_MIN;
  out += js_number(exact ? Number(-n.as_int()) : Number(-n.as_double()));
  return true;
}

void Converter::template_parts(std::string& text, const TemplateExpr* t) {
  if (!t) return;
  for (const Expr* part : t->parts()) template_part(text, *part);
}

void Converter::template_part(std::string& text, const Expr& e) {
  switch (e.kind) {
    case ExprKind::Literal: {
      const auto& lit = as<LiteralExpr>(e);
      if (lit.literal == LiteralKind::String)
        append_template_literal(text, source_.text(lit.string));
      else if (lit.literal == LiteralKind::Number)
        text += js_number(lit.number());
      else if (lit.literal == LiteralKind::Bool)
        text += lit.boolean ? "true" : "false";
      else
        text += wrapped(e);
      return;
    }
    case ExprKind::Template: template_parts(text, &as<TemplateExpr>(e)); return;
    case ExprKind::TemplateWrap: template_part(text, *as<TemplateWrapExpr>(e).inner); return;
    case ExprKind::Conditional:
    case ExprKind::TemplateIf: {
      bool directive = e.kind == ExprKind::TemplateIf;
      const Expr& cond = directive ? *as<TemplateIfExpr>(e).condition : *as<ConditionalExpr>(e).condition;
      std::string yes, no;
      if (directive) {
        template_parts(yes, as<TemplateIfExpr>(e).then_part);
        template_parts(no, as<TemplateIfExpr>(e).else_part);
      } else {
        template_part(yes, *as<ConditionalExpr>(e).true_result);
        template_part(no, *as<ConditionalExpr>(e).false_result);
      }
      text += "%{if " + std::string(source_.slice(cond.span)) + "}" + yes;
      if (!no.empty()) text += "%{else}" + no;
      text += "%{endif}";
      return;
    }
    case ExprKind::TemplateFor: {
      const auto& f = as<TemplateForExpr>(e);
      text += "%{for ";
      if (!f.key_var.empty()) text += std::string(source_.slice(f.key_var)) + ", ";
      text += std::string(source_.slice(f.value_var)) + " in " + std::string(source_.slice(f.collection->span)) + "}";
      template_parts(text, f.body);
      text += "%{endfor}";
      return;
    }
    default:
      text += wrapped(e);
  }
}

void Converter::value(const Expr& e, int indent) {
  if (literal_value(e)) return;
  switch (e.kind) {
    case ExprKind::Template: {
      std::string text;
      template_parts(text, &as<TemplateExpr>(e));
      append_json_string(text, false, out);
      return;
    }
    case ExprKind::TemplateWrap: value(*as<TemplateWrapExpr>(e).inner, indent); return;
    case ExprKind::Tuple: tuple(as<TupleExpr>(e), indent); return;
    case ExprKind::Object: object(as<ObjectExpr>(e), indent); return;
    default: append_json_string(wrapped(e), false, out);
  }
}

void Converter::tuple(const TupleExpr& t, int indent) {
  List<Expr*> items = t.items();
  if (items.empty()) {
    out += "[]";
    return;
  }
  out += '[';
  for (uint32_t i = 0; i < items.size; ++i) {
    if (i) out += ',';
    newline(indent + 1);
    value(*items[i], indent + 1);
  }
  newline(indent);
  out += ']';
}

std::string Converter::object_key(const ObjectItem& item) {
  const Expr& k = *item.key;
  if (item.bare_key()) return std::string(source_.text(as<LiteralExpr>(k).string));
  if (is_traversal(k)) return std::string(source_.slice(k.span));
  std::string text;
  template_part(text, k);
  return text;
}

void Converter::object(const ObjectExpr& o, int indent) {
  std::vector<std::pair<std::string, const Expr*>> items;
  for (const ObjectItem& item : o.items()) items.emplace_back(object_key(item), item.value);
  std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  out += '{';
  bool first = true;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i + 1 < items.size() && items[i + 1].first == items[i].first) continue;  // the last one wins
    if (!first) out += ',';
    first = false;
    key(items[i].first, indent + 1);
    value(*items[i].second, indent + 1);
  }
  if (!first) newline(indent);
  out += '}';
}

// Blocks sorted by type and labels, nested one JSON object per label; the
// innermost level is the array of their bodies, in source order.
void Converter::blocks(std::vector<const Block*>::const_iterator begin, std::vector<const Block*>::const_iterator end,
                       size_t level, int indent) {
  if ((*begin)->label_count <= level) {
    out += '[';
    for (auto it = begin; it != end; ++it) {
      if (it != begin) out += ',';
      newline(indent + 1);
      body((*it)->body, indent + 1);
    }
    newline(indent);
    out += ']';
    return;
  }
  out += '{';
  for (auto it = begin; it != end;) {
    std::string_view label = source_.text((*it)->label_data[level].value);
    auto group_end = std::find_if(it, end, [&](const Block* b) {
      return b->label_count <= level || source_.text(b->label_data[level].value) != label;
    });
    if (it != begin) out += ',';
    key(label, indent + 1);
    blocks(it, group_end, level + 1, indent + 1);
    it = group_end;
  }
  newline(indent);
  out += '}';
}

bool Converter::block_order(const Block* a, const Block* b) const {
  std::string_view a_type = source_.slice(a->type_span), b_type = source_.slice(b->type_span);
  if (a_type != b_type) return a_type < b_type;
  for (uint32_t i = 0; i < a->label_count && i < b->label_count; ++i) {
    std::string_view a_label = source_.text(a->label_data[i].value), b_label = source_.text(b->label_data[i].value);
    if (a_label != b_label) return a_label < b_label;
  }
  return a->label_count < b->label_count;
}

void Converter::body(const Body& b, int indent) {
  std::vector<const Attribute*> attrs;
  for (const Attribute& a : b.attributes()) attrs.push_back(&a);
  std::sort(attrs.begin(), attrs.end(), [&](const Attribute* x, const Attribute* y) {
    return source_.slice(x->name_span) < source_.slice(y->name_span);
  });
  std::vector<const Block*> sorted_blocks;
  for (const Block& bl : b.blocks()) sorted_blocks.push_back(&bl);
  std::stable_sort(sorted_blocks.begin(), sorted_blocks.end(),
                   [&](const Block* x, const Block* y) { return block_order(x, y); });

  out += '{';
  bool first = true;
  auto separator = [&] {
    if (!first) out += ',';
    first = false;
  };
  auto a = attrs.begin();
  auto bl = sorted_blocks.cbegin();
  while (a != attrs.end() || bl != sorted_blocks.cend()) {
    if (bl == sorted_blocks.cend() ||
        (a != attrs.end() && source_.slice((*a)->name_span) <= source_.slice((*bl)->type_span))) {
      separator();
      key(source_.slice((*a)->name_span), indent + 1);
      value(*(*a)->expr, indent + 1);
      ++a;
      continue;
    }
    std::string_view type = source_.slice((*bl)->type_span);
    auto group_end =
        std::find_if(bl, sorted_blocks.cend(), [&](const Block* x) { return source_.slice(x->type_span) != type; });
    separator();
    key(type, indent + 1);
    blocks(bl, group_end, 0, indent + 1);
    bl = group_end;
  }
  if (!first) newline(indent);
  out += '}';
}

}  // namespace

std::string to_hcl2json(const File& file) {
  Converter c(*file.source);
  if (file.body) c.body(*file.body, 0);
  return c.out;
}

}  // namespace hcl
