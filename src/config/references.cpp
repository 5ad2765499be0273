#include "config/references.h"

#include <algorithm>

namespace config {

namespace {

using hcl::as;
using hcl::ExprKind;

class Walker {
 public:
  explicit Walker(const hcl::SourceFile& source) : source_(source) {}

  std::vector<Reference> found;
  std::vector<std::string_view> calls;  // the functions called, by name

  void walk(const hcl::Expr* e) {
    if (!e) return;
    switch (e->kind) {
      case ExprKind::Literal:
      case ExprKind::SplatItem:
        return;
      case ExprKind::Variable:
        return variable(as<hcl::VariableExpr>(*e));
      case ExprKind::GetAttr:
        return get_attr(as<hcl::GetAttrExpr>(*e));
      case ExprKind::For:
        return for_expr(as<hcl::ForExpr>(*e));
      case ExprKind::TemplateFor:
        return template_for(as<hcl::TemplateForExpr>(*e));
      default:
        return children(*e);
    }
  }

 private:
  void children(const hcl::Expr& e) {
    switch (e.kind) {
      case ExprKind::Template:
        for (const hcl::Expr* part : as<hcl::TemplateExpr>(e).parts()) walk(part);
        return;
      case ExprKind::TemplateWrap:
        return walk(as<hcl::TemplateWrapExpr>(e).inner);
      case ExprKind::TemplateIf: {
        const auto& t = as<hcl::TemplateIfExpr>(e);
        walk(t.condition);
        walk(t.then_part);
        return walk(t.else_part);
      }
      case ExprKind::Index:
        walk(as<hcl::IndexExpr>(e).collection);
        return walk(as<hcl::IndexExpr>(e).key);
      case ExprKind::Splat:
        walk(as<hcl::SplatExpr>(e).source);
        return walk(as<hcl::SplatExpr>(e).each);
      case ExprKind::Call:
        calls.push_back(source_.slice(as<hcl::CallExpr>(e).name_span()));
        for (const hcl::Expr* arg : as<hcl::CallExpr>(e).args()) walk(arg);
        return;
      case ExprKind::Conditional: {
        const auto& c = as<hcl::ConditionalExpr>(e);
        walk(c.condition);
        walk(c.true_result);
        return walk(c.false_result);
      }
      case ExprKind::Binary:
        walk(as<hcl::BinaryExpr>(e).lhs);
        return walk(as<hcl::BinaryExpr>(e).rhs);
      case ExprKind::Unary:
        return walk(as<hcl::UnaryExpr>(e).operand);
      case ExprKind::Tuple:
        for (const hcl::Expr* item : as<hcl::TupleExpr>(e).items()) walk(item);
        return;
      case ExprKind::Object:
        for (const auto& item : as<hcl::ObjectExpr>(e).items()) {
          walk(item.key);
          walk(item.value);
        }
        return;
      case ExprKind::Parens:
        return walk(as<hcl::ParensExpr>(e).inner);
      default:
        return;
    }
  }

  bool bound(std::string_view name) const { return std::find(bound_.begin(), bound_.end(), name) != bound_.end(); }

  void variable(const hcl::VariableExpr& v) {
    std::string_view name = source_.slice(v.span);
    if (!bound(name)) found.push_back({name, {}, v.span});
  }

  void get_attr(const hcl::GetAttrExpr& g) {
    if (g.object->kind != ExprKind::Variable) return walk(g.object);
    const auto& root = as<hcl::VariableExpr>(*g.object);
    std::string_view name = source_.slice(root.span);
    if (!bound(name)) found.push_back({name, source_.slice(g.name_span()), {root.span.begin, g.span.end}});
  }

  // Runs `body` with the iteration names bound, as they are inside a `for`.
  template <class F>
  void with_bound(hcl::Span key, hcl::Span value, F body) {
    size_t size = bound_.size();
    if (!key.empty()) bound_.push_back(source_.slice(key));
    bound_.push_back(source_.slice(value));
    body();
    bound_.resize(size);
  }

  void for_expr(const hcl::ForExpr& f) {
    walk(f.collection);
    with_bound(f.key_var, f.value_var, [&] {
      walk(f.key_result);
      walk(f.value_result);
      walk(f.condition);
    });
  }

  void template_for(const hcl::TemplateForExpr& f) {
    walk(f.collection);
    with_bound(f.key_var, f.value_var, [&] { walk(f.body); });
  }

  const hcl::SourceFile& source_;
  std::vector<std::string_view> bound_;
};

}  // namespace

std::vector<Reference> references(const hcl::Expr& expr, const hcl::SourceFile& source) {
  Walker walker(source);
  walker.walk(&expr);
  return std::move(walker.found);
}

std::vector<std::string_view> function_calls(const hcl::Expr& expr, const hcl::SourceFile& source) {
  Walker walker(source);
  walker.walk(&expr);
  return std::move(walker.calls);
}

}  // namespace config
