// Parsing expressions: conditionals, binary operators by precedence
// climbing, unary operators, traversals and splats, and the terms
// (literals, variables, calls, parentheses, tuples, objects, for).
#include "hcl/parser_impl.h"

namespace hcl {

namespace {

// HCL's binary operator precedence, loosest first; -1 for non-operators.
int precedence(Tok t) {
  switch (t) {
    case Tok::Or: return 0;
    case Tok::And: return 1;
    case Tok::EqualEqual: case Tok::NotEqual: return 2;
    case Tok::Less: case Tok::LessEqual: case Tok::Greater: case Tok::GreaterEqual: return 3;
    case Tok::Plus: case Tok::Minus: return 4;
    case Tok::Star: case Tok::Slash: case Tok::Percent: return 5;
    default: return -1;
  }
}

BinaryOp binary_op(Tok t) {
  switch (t) {
    case Tok::Or: return BinaryOp::Or;
    case Tok::And: return BinaryOp::And;
    case Tok::EqualEqual: return BinaryOp::Equal;
    case Tok::NotEqual: return BinaryOp::NotEqual;
    case Tok::Less: return BinaryOp::Less;
    case Tok::LessEqual: return BinaryOp::LessEqual;
    case Tok::Greater: return BinaryOp::Greater;
    case Tok::GreaterEqual: return BinaryOp::GreaterEqual;
    case Tok::Plus: return BinaryOp::Add;
    case Tok::Minus: return BinaryOp::Subtract;
    case Tok::Star: return BinaryOp::Multiply;
    case Tok::Slash: return BinaryOp::Divide;
    default: return BinaryOp::Modulo;
  }
}

}  // namespace

List<Expr*> Parser::take_exprs(size_t start) {
  List<Expr*> list{arena_.copy_array(exprs_.data() + start, exprs_.size() - start),
                   static_cast<uint32_t>(exprs_.size() - start)};
  exprs_.resize(start);
  return list;
}

Expr* Parser::parse_expression() {
  DepthGuard guard(*this, peek().span);
  if (!guard) return nullptr;
  Expr* condition = parse_binary(0);
  if (!condition || peek().type != Tok::Question) return condition;
  Token question = next();
  Expr* yes = parse_expression();
  if (!yes) return nullptr;
  Token colon = peek();
  if (colon.type != Tok::Colon) {
    if (colon.type != Tok::Invalid)
      error(colon.span, "Missing false expression in conditional",
            std::string("The conditional started with \"?\" at ") + where(question.span.begin) +
                " needs \":\" and a result for when the condition is false: cond ? a : b.");
    return nullptr;
  }
  next();
  Expr* no = parse_expression();
  if (!no) return nullptr;
  auto* e = make<ConditionalExpr>(ExprKind::Conditional, {condition->span.begin, no->span.end});
  e->condition = condition;
  e->true_result = yes;
  e->false_result = no;
  return e;
}

Expr* Parser::parse_binary(int min_precedence) {
  Expr* lhs = parse_unary();
  while (lhs) {
    Token op = peek();
    int prec = precedence(op.type);
    if (prec < min_precedence) break;
    next();
    Expr* rhs = parse_binary(prec + 1);  // left-associative
    if (!rhs) return nullptr;
    auto* e = make<BinaryExpr>(ExprKind::Binary, {lhs->span.begin, rhs->span.end});
    e->op = binary_op(op.type);
    e->lhs = lhs;
    e->rhs = rhs;
    lhs = e;
  }
  return lhs;
}

Expr* Parser::parse_unary() {
  Token op = peek();
  if (op.type != Tok::Minus && op.type != Tok::Bang) return parse_postfix();
  next();
  DepthGuard guard(*this, op.span);
  if (!guard) return nullptr;
  Expr* operand = parse_unary();
  if (!operand) return nullptr;
  auto* e = make<UnaryExpr>(ExprKind::Unary, {op.span.begin, operand->span.end});
  e->op = op.type == Tok::Minus ? UnaryOp::Negate : UnaryOp::Not;
  e->operand = operand;
  return e;
}

Expr* Parser::parse_postfix() {
  Expr* e = parse_term();
  bool done = false;
  while (e && !done) e = parse_traversal_step(e, &done);
  return e;
}

// One `.name`, `.0`, `[key]`, `.*` or `[*]` after `subject`; sets *done when
// the next token continues nothing.
Expr* Parser::parse_traversal_step(Expr* subject, bool* done) {
  Token t = peek();
  if (t.type == Tok::LBrack) {
    next();
    if (peek().type == Tok::Star) return parse_splat(subject, t);
    return parse_index(subject, t);
  }
  if (t.type != Tok::Dot) {
    *done = true;
    return subject;
  }
  next();
  Span digits = lex_.scan_digits();
  if (digits.end > digits.begin) {  // legacy index: list.0
    auto* key = make<LiteralExpr>(ExprKind::Literal, digits);
    key->literal = LiteralKind::Number;
    key->set_number(*Number::parse(text(digits)));  // digits always parse; huge ones as a double
    auto* e = make<IndexExpr>(ExprKind::Index, {subject->span.begin, digits.end});
    e->collection = subject;
    e->key = key;
    return e;
  }
  Token name = next();
  if (name.type == Tok::Star) return parse_splat(subject, t);
  if (name.type != Tok::Ident) {
    if (name.type != Tok::Invalid)
      error(name.span, "Invalid attribute name",
            std::string("An attribute name (or \"*\" for a splat) is expected after \".\", but found ") + describe(name) + ".");
    return nullptr;
  }
  auto* e = make<GetAttrExpr>(ExprKind::GetAttr, {subject->span.begin, name.span.end});
  e->object = subject;
  e->name_begin = name.span.begin;
  return e;
}

Expr* Parser::parse_index(Expr* subject, Token open) {
  NewlineMode mode(*this, false);
  Expr* key = parse_expression();
  if (!key) return nullptr;
  Token close = peek();
  if (close.type != Tok::RBrack) {
    if (close.type != Tok::Invalid)
      error(close.span, "Missing close bracket on index",
            std::string("The index opened with \"[\" at ") + where(open.span.begin) + " must be closed with \"]\", but found " +
                describe(close) + ".");
    return nullptr;
  }
  next();
  auto* e = make<IndexExpr>(ExprKind::Index, {subject->span.begin, close.span.end});
  e->collection = subject;
  e->key = key;
  return e;
}

// `source.*.a` (attribute-only splat) or `source[*].a[0]` (full splat):
// the traversals after the star apply to each element.
Expr* Parser::parse_splat(Expr* source, Token first) {
  bool full = first.type == Tok::LBrack;
  uint32_t end = first.span.end + 1;  // `.*`: the star follows the dot
  if (full) {
    next();  // *
    Token close = next();
    if (close.type != Tok::RBrack) {
      error(close.span, "Missing close bracket on splat", "A splat is written [*]; add the closing \"]\".");
      return nullptr;
    }
    end = close.span.end;
  }
  Expr* each = make<SplatItemExpr>(ExprKind::SplatItem, {first.span.begin, end});
  for (;;) {
    Token t = peek();
    bool attr = t.type == Tok::Dot;
    bool index = full && t.type == Tok::LBrack;
    // Another `.*` or `[*]` starts a new splat over this one's result.
    if ((!attr && !index) || star_follows(t.span.end)) break;
    bool done = false;
    each = parse_traversal_step(each, &done);
    if (!each) return nullptr;
    end = each->span.end;
  }
  auto* e = make<SplatExpr>(ExprKind::Splat, {source->span.begin, end});
  e->source = source;
  e->each = each;
  return e;
}

bool Parser::star_follows(uint32_t pos) const {
  std::string_view rest = lex_.text().substr(pos);
  size_t i = rest.find_first_not_of(" \t");
  return i != std::string_view::npos && rest[i] == '*';
}

Expr* Parser::parse_term() {
  Token t = peek();
  switch (t.type) {
    case Tok::Number: next(); return parse_number(t);
    case Tok::Ident: next(); return parse_identifier_term(t);
    case Tok::OQuote: next(); return parse_quoted_template(t);
    case Tok::OHeredoc: next(); return parse_heredoc(t);
    case Tok::LParen: next(); return parse_parens(t);
    case Tok::LBrack: next(); return parse_tuple(t);
    case Tok::LBrace: next(); return parse_object(t);
    case Tok::Invalid: next(); return nullptr;
    default: break;
  }
  error(t.span, "Invalid expression", std::string("Expected the start of an expression, but found ") + describe(t) + ".");
  return nullptr;
}

Expr* Parser::parse_number(Token t) {
  auto* e = make<LiteralExpr>(ExprKind::Literal, t.span);
  e->literal = LiteralKind::Number;
  std::optional<Number> n = Number::parse(text(t.span));
  if (!n) {
    error(t.span, "Invalid number literal", std::string("\"") + std::string(text(t.span)) + "\" is not a number HCL can represent.");
    return nullptr;
  }
  e->set_number(*n);
  return e;
}

Expr* Parser::parse_identifier_term(Token name) {
  std::string_view word = text(name.span);
  if (peek().type == Tok::LParen) return parse_call(name);
  if (word == "true" || word == "false" || word == "null") {
    auto* e = make<LiteralExpr>(ExprKind::Literal, name.span);
    e->literal = word == "null" ? LiteralKind::Null : LiteralKind::Bool;
    e->boolean = word == "true";
    return e;
  }
  return make<VariableExpr>(ExprKind::Variable, name.span);
}

Expr* Parser::parse_call(Token name) {
  Token open = next();
  NewlineMode mode(*this, false);
  size_t start = exprs_.size();
  bool expand = false;
  Token close = peek();
  while (close.type != Tok::RParen) {
    Expr* arg = parse_expression();
    if (!arg) {
      exprs_.resize(start);
      return nullptr;
    }
    exprs_.push_back(arg);
    Token sep = peek();
    if (sep.type == Tok::Ellipsis) {
      next();
      expand = true;
      sep = peek();
      if (sep.type != Tok::RParen) {
        error(sep.span, "Missing closing parenthesis",
              "An expanded argument (list...) must be the last one: close the call to " +
                  std::string(text(name.span)) + " with \")\".");
        exprs_.resize(start);
        return nullptr;
      }
    }
    if (sep.type == Tok::Comma) {
      next();
    } else if (sep.type != Tok::RParen) {
      if (sep.type != Tok::Invalid)
        error(sep.span, "Missing argument separator",
              std::string("The arguments of ") + std::string(text(name.span)) + "(...), opened at " + where(open.span.begin) +
                  std::string(", must be separated by \",\" and closed with \")\"; found ") + describe(sep) + ".");
      exprs_.resize(start);
      return nullptr;
    }
    close = peek();
  }
  next();
  auto* e = make<CallExpr>(ExprKind::Call, {name.span.begin, close.span.end});
  e->name_size = name.span.end - name.span.begin;
  List<Expr*> args = take_exprs(start);
  e->arg_data = args.data;
  e->arg_count = args.size;
  e->expand_final = expand;
  return e;
}

Expr* Parser::parse_parens(Token open) {
  NewlineMode mode(*this, false);
  Expr* inner = parse_expression();
  if (!inner) return nullptr;
  Token close = peek();
  if (close.type != Tok::RParen) {
    if (close.type != Tok::Invalid)
      error(close.span, "Unbalanced parentheses",
            std::string("The \"(\" at ") + where(open.span.begin) + " must be closed with \")\" here, but found " +
                describe(close) + ".");
    return nullptr;
  }
  next();
  auto* e = make<ParensExpr>(ExprKind::Parens, {open.span.begin, close.span.end});
  e->inner = inner;
  return e;
}

Expr* Parser::parse_tuple(Token open) {
  NewlineMode mode(*this, false);
  Token t = peek();
  if (t.type == Tok::Ident && text(t.span) == "for") return parse_for(open);
  size_t start = exprs_.size();
  while (t.type != Tok::RBrack) {
    Expr* item = parse_expression();
    if (!item) {
      exprs_.resize(start);
      return nullptr;
    }
    exprs_.push_back(item);
    t = peek();
    if (t.type == Tok::Comma) {
      next();
      t = peek();
    } else if (t.type != Tok::RBrack) {
      if (t.type != Tok::Invalid)
        error(t.span, "Missing item separator",
              "Expected a comma to mark the beginning of the next item, or \"]\" to close the list opened at " +
                  where(open.span.begin) + "; found " + describe(t) + ".");
      exprs_.resize(start);
      return nullptr;
    }
  }
  next();
  auto* e = make<TupleExpr>(ExprKind::Tuple, {open.span.begin, t.span.end});
  List<Expr*> items = take_exprs(start);
  e->item_data = items.data;
  e->item_count = items.size;
  return e;
}

Expr* Parser::parse_object(Token open) {
  Token first;
  {
    NewlineMode skip(*this, false);
    first = peek();
  }
  if (first.type == Tok::Ident && text(first.span) == "for") {
    NewlineMode mode(*this, false);
    return parse_for(open);
  }
  NewlineMode mode(*this, true);
  size_t start = items_.size();
  for (;;) {
    Token t = peek();
    if (t.type == Tok::Newline) {
      next();
      continue;
    }
    if (t.type == Tok::RBrace) break;
    if (!parse_object_item()) {
      items_.resize(start);
      return nullptr;
    }
  }
  Token close = next();
  auto* e = make<ObjectExpr>(ExprKind::Object, {open.span.begin, close.span.end});
  e->item_data = arena_.copy_array(items_.data() + start, items_.size() - start);
  e->item_count = static_cast<uint32_t>(items_.size() - start);
  items_.resize(start);
  return e;
}

bool Parser::parse_object_item() {
  Token key_token = peek();
  Expr* key = parse_expression();
  if (!key) return false;
  ObjectItem item{key, nullptr};
  // A lone name (even a keyword such as `null`) is the key's literal text.
  if (key_token.type == Tok::Ident && key->span.begin == key_token.span.begin &&
      key->span.end == key_token.span.end) {
    // One key in four is a bare name: the variable it was parsed as is
    // given back to the arena, usually for the literal to reuse.
    if (key->kind == ExprKind::Variable) arena_.give_back(key, sizeof(VariableExpr));
    auto* lit = make<LiteralExpr>(ExprKind::Literal, key_token.span);
    lit->literal = LiteralKind::String;
    lit->string = source_.store(text(key_token.span));
    item.key = lit;
  }
  Token eq = peek();
  if (eq.type != Tok::Equal && eq.type != Tok::Colon) {
    if (eq.type != Tok::Invalid)
      error(eq.span, "Missing key/value separator",
            "Expected an equals sign (\"=\") or a colon to mark the beginning of the attribute value, but found " +
                describe(eq) + ".");
    return false;
  }
  next();
  item.value = parse_expression();
  if (!item.value) return false;
  items_.push_back(item);
  Token sep = peek();
  if (sep.type == Tok::Comma || sep.type == Tok::Newline) {
    next();
    return true;
  }
  if (sep.type == Tok::RBrace) return true;
  if (sep.type != Tok::Invalid)
    error(sep.span, "Missing attribute separator",
          std::string("Expected a newline or comma to mark the beginning of the next attribute, but found ") + describe(sep) +
              ".");
  return false;
}

bool Parser::expect_for_keyword(std::string_view keyword, Token open) {
  Token t = peek();
  if (t.type == Tok::Ident && text(t.span) == keyword) {
    next();
    return true;
  }
  if (t.type != Tok::Invalid)
    error(t.span, "Invalid 'for' expression",
          std::string("The 'for' expression opened at ") + where(open.span.begin) + " expects \"" + std::string(keyword) +
              std::string("\" here, but found ") + describe(t) + ".");
  return false;
}

// [for k, v in coll : result if cond] and {for k, v in coll : key => value... if cond}
Expr* Parser::parse_for(Token open) {
  bool object = open.type == Tok::LBrace;
  next();  // for
  auto* e = make<ForExpr>(ExprKind::For, open.span);
  Token first = next();
  if (first.type != Tok::Ident) {
    error(first.span, "Invalid 'for' expression", "A variable name is expected after \"for\".");
    return nullptr;
  }
  e->value_var = first.span;
  if (peek().type == Tok::Comma) {
    next();
    Token second = next();
    if (second.type != Tok::Ident) {
      error(second.span, "Invalid 'for' expression", "A second variable name is expected after \",\".");
      return nullptr;
    }
    e->key_var = e->value_var;
    e->value_var = second.span;
  }
  if (!expect_for_keyword("in", open) || !(e->collection = parse_expression())) return nullptr;
  Token colon = next();
  if (colon.type != Tok::Colon) {
    error(colon.span, "Invalid 'for' expression",
          std::string("A colon is expected after the collection of the 'for' expression opened at ") + where(open.span.begin) +
              ": for x in list : result.");
    return nullptr;
  }
  if (object) {
    if (!(e->key_result = parse_expression())) return nullptr;
    Token arrow = next();
    if (arrow.type != Tok::FatArrow) {
      error(arrow.span, "Invalid 'for' expression",
            "An object 'for' expression needs \"=>\" between the key and the value: {for k, v in m : k => v}.");
      return nullptr;
    }
  }
  if (!(e->value_result = parse_expression())) return nullptr;
  if (object && peek().type == Tok::Ellipsis) {
    next();
    e->group = true;
  }
  Token t = peek();
  if (t.type == Tok::Ident && text(t.span) == "if") {
    next();
    if (!(e->condition = parse_expression())) return nullptr;
  }
  Token close = peek();
  if (close.type != (object ? Tok::RBrace : Tok::RBrack)) {
    if (close.type != Tok::Invalid)
      error(close.span, "Invalid 'for' expression",
            std::string("Expected \"") + (object ? "}" : "]") + "\" to close the 'for' expression opened at " +
                where(open.span.begin) + ", but found " + describe(close) + ".");
    return nullptr;
  }
  next();
  e->span.end = close.span.end;
  return e;
}

}  // namespace hcl
