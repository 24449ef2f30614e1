#include "authz/schema.h"

#include <cctype>

namespace workspaced::authz {
namespace {

struct Token {
  enum Kind { kIdent, kSymbol, kEnd } kind = kEnd;
  std::string text;  // identifier, or the symbol: { } : | # + = -> and any other char
  int line = 0;
};

bool IdentStart(char c) { return std::islower(static_cast<unsigned char>(c)) || c == '_'; }
bool IdentChar(char c) {
  return IdentStart(c) || std::isdigit(static_cast<unsigned char>(c)) ||
         std::isupper(static_cast<unsigned char>(c));
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  StatusOr<std::vector<Token>> Run() {
    std::vector<Token> out;
    while (true) {
      WS_RETURN_IF_ERROR(SkipSpaceAndComments());
      if (pos_ >= text_.size()) break;
      const char c = text_[pos_];
      Token t;
      t.line = line_;
      if (IdentStart(c)) {
        const std::size_t start = pos_;
        while (pos_ < text_.size() && IdentChar(text_[pos_])) ++pos_;
        t.kind = Token::kIdent;
        t.text = std::string(text_.substr(start, pos_ - start));
      } else if (c == '-' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '>') {
        t.kind = Token::kSymbol;
        t.text = "->";
        pos_ += 2;
      } else {
        t.kind = Token::kSymbol;
        t.text = std::string(1, c);
        ++pos_;
      }
      out.push_back(std::move(t));
    }
    out.push_back({Token::kEnd, "", line_});
    return out;
  }

 private:
  Status SkipSpaceAndComments() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else if (text_.substr(pos_, 2) == "//") {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (text_.substr(pos_, 2) == "/*") {
        const int start = line_;
        pos_ += 2;
        while (pos_ < text_.size() && text_.substr(pos_, 2) != "*/") {
          if (text_[pos_] == '\n') ++line_;
          ++pos_;
        }
        if (pos_ >= text_.size())
          return InvalidArgument("schema line " + std::to_string(start) + ": unclosed comment");
        pos_ += 2;
      } else {
        break;
      }
    }
    return Status::Ok();
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  StatusOr<Schema> Run() {
    Schema schema;
    while (Peek().kind != Token::kEnd) {
      if (Peek().kind != Token::kIdent || Peek().text != "definition") {
        return Refuse(Peek(), Peek().text == "caveat"
                                  ? "caveats are not supported"
                                  : "expected 'definition', got '" + Peek().text + "'");
      }
      Next();
      WS_ASSIGN_OR_RETURN(const Token name, Ident("a definition name"));
      if (schema.definitions.count(name.text))
        return Refuse(name, "definition '" + name.text + "' is defined twice");
      WS_RETURN_IF_ERROR(Expect("{"));
      Definition def;
      while (!(Peek().kind == Token::kSymbol && Peek().text == "}")) {
        WS_RETURN_IF_ERROR(Member(def));
      }
      Next();
      schema.definitions.emplace(name.text, std::move(def));
    }
    WS_RETURN_IF_ERROR(Validate(schema));
    return schema;
  }

 private:
  const Token& Peek() const { return tokens_[i_]; }
  const Token& Next() { return tokens_[i_ < tokens_.size() - 1 ? i_++ : i_]; }

  static Status Refuse(const Token& t, const std::string& what) {
    return InvalidArgument("schema line " + std::to_string(t.line) + ": " + what);
  }

  StatusOr<Token> Ident(const std::string& what) {
    if (Peek().kind == Token::kSymbol && Peek().text == "(")
      return Refuse(Peek(), "parentheses are not supported");
    if (Peek().kind != Token::kIdent)
      return Refuse(Peek(), "expected " + what + ", got '" + Peek().text + "'");
    return Next();
  }

  Status Expect(const std::string& symbol) {
    if (Peek().kind != Token::kSymbol || Peek().text != symbol) {
      if (Peek().kind == Token::kSymbol && Peek().text == "(")
        return Refuse(Peek(), "parentheses are not supported");
      return Refuse(Peek(), "expected '" + symbol + "', got '" + Peek().text + "'");
    }
    Next();
    return Status::Ok();
  }

  bool NameTaken(const Definition& def, const std::string& name) const {
    return def.relations.count(name) || def.permissions.count(name);
  }

  Status Member(Definition& def) {
    WS_ASSIGN_OR_RETURN(const Token kw, Ident("'relation' or 'permission'"));
    if (kw.text == "relation") {
      WS_ASSIGN_OR_RETURN(const Token name, Ident("a relation name"));
      if (NameTaken(def, name.text)) return Refuse(name, "'" + name.text + "' is defined twice");
      WS_RETURN_IF_ERROR(Expect(":"));
      Relation rel;
      while (true) {
        WS_ASSIGN_OR_RETURN(const Token type, Ident("a subject type"));
        AllowedSubject subject{type.text, ""};
        if (Peek().kind == Token::kSymbol && Peek().text == "#") {
          Next();
          WS_ASSIGN_OR_RETURN(const Token sub, Ident("a subject relation"));
          subject.relation = sub.text;
        } else if (Peek().kind == Token::kSymbol && Peek().text == ":") {
          return Refuse(Peek(), "wildcards (" + type.text + ":*) are not supported");
        }
        if (Peek().kind == Token::kIdent && Peek().text == "with")
          return Refuse(Peek(), "caveats and traits ('with') are not supported");
        rel.subjects.push_back(std::move(subject));
        if (Peek().kind == Token::kSymbol && Peek().text == "|") {
          Next();
          continue;
        }
        break;
      }
      def.relations.emplace(name.text, std::move(rel));
      return Status::Ok();
    }
    if (kw.text == "permission") {
      WS_ASSIGN_OR_RETURN(const Token name, Ident("a permission name"));
      if (NameTaken(def, name.text)) return Refuse(name, "'" + name.text + "' is defined twice");
      WS_RETURN_IF_ERROR(Expect("="));
      PermissionDef perm;
      while (true) {
        WS_ASSIGN_OR_RETURN(const Token term, Ident("a relation or permission"));
        Term t{term.text, ""};
        if (Peek().kind == Token::kSymbol && Peek().text == "->") {
          Next();
          WS_ASSIGN_OR_RETURN(const Token target, Ident("the arrow's target"));
          if (target.text == "any" || target.text == "all")
            return Refuse(target, "functioned arrows (.any/.all) are not supported");
          t.target = target.text;
        } else if (Peek().kind == Token::kSymbol && Peek().text == ".") {
          return Refuse(Peek(), "functioned arrows (.any/.all) are not supported");
        }
        perm.terms.push_back(std::move(t));
        if (Peek().kind == Token::kSymbol && Peek().text == "+") {
          Next();
          continue;
        }
        if (Peek().kind == Token::kSymbol && (Peek().text == "&" || Peek().text == "-")) {
          return Refuse(Peek(),
                        std::string(Peek().text == "&" ? "intersection (&)" : "exclusion (-)") +
                            " is not supported: only unions (+)");
        }
        break;
      }
      def.permissions.emplace(name.text, std::move(perm));
      return Status::Ok();
    }
    return Refuse(kw, "expected 'relation' or 'permission', got '" + kw.text + "'");
  }

  // Every name a definition uses refers to something that exists.
  static Status Validate(const Schema& schema) {
    for (const auto& [type, def] : schema.definitions) {
      for (const auto& [name, rel] : def.relations) {
        for (const auto& s : rel.subjects) {
          const Definition* target = schema.Find(s.type);
          if (target == nullptr) {
            return InvalidArgument("schema: " + type + "#" + name + " allows unknown type '" +
                                   s.type + "'");
          }
          if (!s.relation.empty() && !target->relations.count(s.relation) &&
              !target->permissions.count(s.relation)) {
            return InvalidArgument("schema: " + type + "#" + name + " allows " + s.type + "#" +
                                   s.relation + ", which does not exist");
          }
        }
      }
      for (const auto& [name, perm] : def.permissions) {
        for (const Term& t : perm.terms) {
          if (!t.is_arrow()) {
            if (!def.relations.count(t.name) && !def.permissions.count(t.name)) {
              return InvalidArgument("schema: " + type + "#" + name + " uses unknown '" + t.name +
                                     "'");
            }
            continue;
          }
          const auto rel = def.relations.find(t.name);
          if (rel == def.relations.end()) {
            return InvalidArgument("schema: " + type + "#" + name + " arrows over '" + t.name +
                                   "', which is not a relation of " + type);
          }
          bool found = false;
          for (const auto& s : rel->second.subjects) {
            const Definition* target = schema.Find(s.type);
            found = found || (target != nullptr && (target->relations.count(t.target) ||
                                                    target->permissions.count(t.target)));
          }
          if (!found) {
            return InvalidArgument("schema: " + type + "#" + name + ": no type of " + t.name +
                                   " has '" + t.target + "'");
          }
        }
      }
    }
    return Status::Ok();
  }

  std::vector<Token> tokens_;
  std::size_t i_ = 0;
};

}  // namespace

StatusOr<Schema> ParseSchema(std::string_view text) {
  WS_ASSIGN_OR_RETURN(std::vector<Token> tokens, Lexer(text).Run());
  return Parser(std::move(tokens)).Run();
}

}  // namespace workspaced::authz
