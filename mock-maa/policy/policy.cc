#include "mock-maa/policy/policy.h"

#include <cctype>
#include <cstdint>
#include <map>
#include <optional>

#include "libskr/crypto/digest.h"
#include "libskr/encoding/encoding.h"

namespace skr::mock_maa {

std::string ClaimValueTypeName(const nlohmann::json& value) {
  if (value.is_boolean()) return "Boolean";
  if (value.is_number_integer()) return "Integer";
  if (value.is_string()) return "String";
  if (value.is_array()) return "Array";
  if (value.is_object()) return "Object";
  if (value.is_number()) return "Number";
  return "Null";
}

std::string PolicyHash(std::string_view policy_text) {
  std::string inner = encoding::Base64UrlEncode(AsBytes(policy_text));
  return encoding::Base64UrlEncode(crypto::Sha256(AsBytes(inner)));
}

namespace {

// ---------------------------------------------------------------------------------------------
// Lexer

enum class Tok {
  kIdent,
  kString,
  kInteger,
  kAssign,    // =
  kEq,        // ==
  kNe,        // !=
  kLt,        // <
  kLe,        // <=
  kGt,        // >
  kGe,        // >=
  kArrow,     // =>
  kAnd,       // &&
  kSemi,      // ;
  kColon,     // :
  kComma,     // ,
  kDot,       // .
  kLBracket,  // [
  kRBracket,  // ]
  kLParen,    // (
  kRParen,    // )
  kLBrace,    // {
  kRBrace,    // }
  kEnd,
};

std::string_view TokName(Tok t) {
  switch (t) {
    case Tok::kIdent:
      return "identifier";
    case Tok::kString:
      return "string";
    case Tok::kInteger:
      return "integer";
    case Tok::kAssign:
      return "'='";
    case Tok::kEq:
      return "'=='";
    case Tok::kNe:
      return "'!='";
    case Tok::kLt:
      return "'<'";
    case Tok::kLe:
      return "'<='";
    case Tok::kGt:
      return "'>'";
    case Tok::kGe:
      return "'>='";
    case Tok::kArrow:
      return "'=>'";
    case Tok::kAnd:
      return "'&&'";
    case Tok::kSemi:
      return "';'";
    case Tok::kColon:
      return "':'";
    case Tok::kComma:
      return "','";
    case Tok::kDot:
      return "'.'";
    case Tok::kLBracket:
      return "'['";
    case Tok::kRBracket:
      return "']'";
    case Tok::kLParen:
      return "'('";
    case Tok::kRParen:
      return "')'";
    case Tok::kLBrace:
      return "'{'";
    case Tok::kRBrace:
      return "'}'";
    case Tok::kEnd:
      return "end of policy";
  }
  return "?";
}

struct Token {
  Tok kind;
  std::string text;  // identifier name, decoded string, integer digits
  int line;
  int column;
};

std::string Where(int line, int column) {
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

Error ParseError(int line, int column, const std::string& what) {
  return Malformed("attestation policy: " + Where(line, column) + ": " + what);
}

std::string Describe(const Token& t) {
  switch (t.kind) {
    case Tok::kIdent:
      return "identifier '" + t.text + "'";
    case Tok::kString:
      return "string \"" + t.text + "\"";
    case Tok::kInteger:
      return "integer " + t.text;
    default:
      return std::string(TokName(t.kind));
  }
}

Result<std::vector<Token>> Lex(std::string_view s) {
  std::vector<Token> out;
  int line = 1;
  int col = 1;
  size_t i = 0;
  auto advance = [&](size_t n) {
    for (size_t k = 0; k < n && i < s.size(); ++k, ++i) {
      if (s[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
  };
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
      advance(1);
      continue;
    }
    if (c == '/' && i + 1 < s.size() && s[i + 1] == '/') {
      // Line comments appear in Microsoft's published policies (tpm-attestation-sample-policies).
      while (i < s.size() && s[i] != '\n') advance(1);
      continue;
    }
    int tl = line, tc = col;
    auto two = [&](char a, char b) { return c == a && i + 1 < s.size() && s[i + 1] == b; };
    auto push = [&](Tok k, size_t n) {
      out.push_back({k, std::string(s.substr(i, n)), tl, tc});
      advance(n);
    };
    if (std::isalpha(c) || c == '_') {
      size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
      push(Tok::kIdent, j - i);
    } else if (std::isdigit(c) || (c == '-' && i + 1 < s.size() &&
                                   std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      size_t j = i + 1;
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      if (j - i > 19) return ParseError(tl, tc, "integer literal too long");
      push(Tok::kInteger, j - i);
    } else if (c == '"') {
      std::string value;
      advance(1);
      bool closed = false;
      while (i < s.size()) {
        char d = s[i];
        if (d == '"') {
          advance(1);
          closed = true;
          break;
        }
        if (d == '\n') break;
        if (d == '\\') {
          if (i + 1 >= s.size()) break;
          char e = s[i + 1];
          if (e != '"' && e != '\\') {
            return ParseError(line, col, std::string("unsupported escape '\\") + e + "' in string");
          }
          value.push_back(e);
          advance(2);
          continue;
        }
        value.push_back(d);
        advance(1);
      }
      if (!closed) return ParseError(tl, tc, "unterminated string literal");
      out.push_back({Tok::kString, std::move(value), tl, tc});
    } else if (two('=', '>')) {
      push(Tok::kArrow, 2);
    } else if (two('=', '=')) {
      push(Tok::kEq, 2);
    } else if (two('!', '=')) {
      push(Tok::kNe, 2);
    } else if (two('<', '=')) {
      push(Tok::kLe, 2);
    } else if (two('>', '=')) {
      push(Tok::kGe, 2);
    } else if (two('&', '&')) {
      push(Tok::kAnd, 2);
    } else {
      Tok k;
      switch (c) {
        case '=':
          k = Tok::kAssign;
          break;
        case '<':
          k = Tok::kLt;
          break;
        case '>':
          k = Tok::kGt;
          break;
        case ';':
          k = Tok::kSemi;
          break;
        case ':':
          k = Tok::kColon;
          break;
        case ',':
          k = Tok::kComma;
          break;
        case '.':
          k = Tok::kDot;
          break;
        case '[':
          k = Tok::kLBracket;
          break;
        case ']':
          k = Tok::kRBracket;
          break;
        case '(':
          k = Tok::kLParen;
          break;
        case ')':
          k = Tok::kRParen;
          break;
        case '{':
          k = Tok::kLBrace;
          break;
        case '}':
          k = Tok::kRBrace;
          break;
        default: {
          if (c >= 0x80) {
            // Typographic quotes (U+201C/U+201D) pasted from documents are the usual culprit.
            if (s.substr(i, 3) == "\xE2\x80\x9C" || s.substr(i, 3) == "\xE2\x80\x9D") {
              return ParseError(tl, tc,
                                "typographic quote (U+201C/U+201D); use ASCII double quotes '\"'");
            }
            return ParseError(tl, tc, "non-ASCII character outside a string literal");
          }
          char buf[8];
          std::snprintf(buf, sizeof buf, "0x%02X", c);
          return ParseError(
              tl, tc,
              std::string("unexpected character '") +
                  (std::isprint(c) ? std::string(1, static_cast<char>(c)) : std::string(buf)) +
                  "'");
        }
      }
      push(k, 1);
    }
  }
  out.push_back({Tok::kEnd, "", line, col});
  return out;
}

// ---------------------------------------------------------------------------------------------
// AST

enum class Prop { kType, kValue, kIssuer, kValueType };
enum class Op { kEq, kNe, kLt, kLe, kGt, kGe };

std::string_view PropName(Prop p) {
  switch (p) {
    case Prop::kType:
      return "type";
    case Prop::kValue:
      return "value";
    case Prop::kIssuer:
      return "issuer";
    case Prop::kValueType:
      return "valueType";
  }
  return "?";
}

bool Lower(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::optional<Prop> PropFromName(std::string_view n) {
  if (Lower(n, "type")) return Prop::kType;
  if (Lower(n, "value")) return Prop::kValue;
  if (Lower(n, "issuer")) return Prop::kIssuer;
  if (Lower(n, "valuetype")) return Prop::kValueType;
  return std::nullopt;
}

struct Operand {
  bool is_ref = false;
  nlohmann::json literal;
  std::string ref;  // identifier bound by a condition
  Prop ref_prop = Prop::kValue;
};

struct PropCond {
  Prop prop;
  Op op;
  Operand operand;
};

struct Condition {
  std::string ident;  // empty: anonymous
  std::vector<PropCond> props;
};

enum class ActionKind { kPermit, kDeny, kAdd, kIssue, kIssueProperty };

std::string_view ActionName(ActionKind k) {
  switch (k) {
    case ActionKind::kPermit:
      return "permit";
    case ActionKind::kDeny:
      return "deny";
    case ActionKind::kAdd:
      return "add";
    case ActionKind::kIssue:
      return "issue";
    case ActionKind::kIssueProperty:
      return "issueproperty";
  }
  return "?";
}

struct Action {
  ActionKind kind;
  std::string claim_ref;  // issue(claim=c)
  std::optional<Operand> type;
  std::optional<Operand> value;
};

struct Rule {
  std::vector<Condition> conditions;
  Action action;
  int line;
};

enum class Section { kConfiguration, kAuthorization, kIssuance };

std::string_view SectionName(Section s) {
  switch (s) {
    case Section::kConfiguration:
      return "configurationrules";
    case Section::kAuthorization:
      return "authorizationrules";
    case Section::kIssuance:
      return "issuancerules";
  }
  return "?";
}

}  // namespace

struct Policy::Impl {
  std::string version;
  std::vector<Rule> configuration;
  std::vector<Rule> authorization;
  std::vector<Rule> issuance;
};

namespace {

// ---------------------------------------------------------------------------------------------
// Parser

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : t_(std::move(toks)) {}

  Result<Policy::Impl> ParsePolicy() {
    Policy::Impl impl;
    // version=1.0;
    const Token& v = Peek();
    if (!IsKeyword(v, "version")) {
      return Expected("'version=1.0;' at the start of the policy");
    }
    Next();
    SKR_RETURN_IF_ERROR(Expect(Tok::kAssign, "'=' after 'version'"));
    const Token& major = Peek();
    if (major.kind != Tok::kInteger) return Expected("a version number such as 1.0");
    Next();
    SKR_RETURN_IF_ERROR(Expect(Tok::kDot, "'.' in the version number (MajorVersion.MinorVersion)"));
    const Token& minor = Peek();
    if (minor.kind != Tok::kInteger) return Expected("the minor version number");
    Next();
    impl.version = major.text + "." + minor.text;
    if (impl.version != "1.0" && impl.version != "1.1") {
      return Error(ErrorCode::kUnsupported,
                   "attestation policy: " + Where(major.line, major.column) + ": policy version " +
                       impl.version + " is not supported (supported: 1.0, 1.1)");
    }
    SKR_RETURN_IF_ERROR(Expect(Tok::kSemi, "';' after the version"));

    bool seen[3] = {false, false, false};
    int last = -1;
    while (Peek().kind != Tok::kEnd) {
      const Token& name = Peek();
      std::optional<Section> section;
      if (IsKeyword(name, "configurationrules")) section = Section::kConfiguration;
      if (IsKeyword(name, "authorizationrules")) section = Section::kAuthorization;
      if (IsKeyword(name, "issuancerules")) section = Section::kIssuance;
      if (!section) {
        return Expected("a section name (configurationrules, authorizationrules, issuancerules)");
      }
      int idx = static_cast<int>(*section);
      if (seen[idx]) {
        return ParseError(name.line, name.column,
                          "duplicate section '" + std::string(SectionName(*section)) + "'");
      }
      if (idx < last) {
        return ParseError(name.line, name.column,
                          "section '" + std::string(SectionName(*section)) +
                              "' out of order (expected configurationrules, authorizationrules, "
                              "issuancerules)");
      }
      if (*section == Section::kConfiguration && impl.version == "1.0") {
        return ParseError(name.line, name.column,
                          "'configurationrules' needs policy version 1.1 (this policy says 1.0)");
      }
      seen[idx] = true;
      last = idx;
      Next();
      SKR_RETURN_IF_ERROR(Expect(Tok::kLBrace, "'{' after the section name"));
      std::vector<Rule>& rules = *section == Section::kConfiguration   ? impl.configuration
                                 : *section == Section::kAuthorization ? impl.authorization
                                                                       : impl.issuance;
      while (Peek().kind != Tok::kRBrace) {
        if (Peek().kind == Tok::kEnd) {
          return Expected("'}' closing section '" + std::string(SectionName(*section)) + "'");
        }
        SKR_ASSIGN_OR_RETURN(Rule rule, ParseRule(*section));
        rules.push_back(std::move(rule));
      }
      Next();  // }
      if (Peek().kind == Tok::kSemi) Next();
    }
    if (!seen[static_cast<int>(Section::kAuthorization)]) {
      return ParseError(Peek().line, Peek().column, "missing section 'authorizationrules'");
    }
    return impl;
  }

 private:
  const Token& Peek() const { return t_[pos_]; }
  const Token& Next() {
    const Token& t = t_[pos_];
    if (pos_ + 1 < t_.size()) ++pos_;
    return t;
  }
  static bool IsKeyword(const Token& t, std::string_view kw) {
    return t.kind == Tok::kIdent && Lower(t.text, kw);
  }
  Error Expected(const std::string& what) const {
    return ParseError(Peek().line, Peek().column,
                      "expected " + what + ", found " + Describe(Peek()));
  }
  Result<void> Expect(Tok kind, const std::string& what) {
    if (Peek().kind != kind) return Expected(what);
    Next();
    return Ok();
  }

  Result<Operand> ParseOperand(const std::map<std::string, int>& bound) {
    const Token& t = Peek();
    Operand o;
    if (t.kind == Tok::kString) {
      o.literal = t.text;
      Next();
      return o;
    }
    if (t.kind == Tok::kInteger) {
      try {
        o.literal = static_cast<int64_t>(std::stoll(t.text));
      } catch (...) {
        return ParseError(t.line, t.column, "integer " + t.text + " out of range");
      }
      Next();
      return o;
    }
    if (IsKeyword(t, "true") || IsKeyword(t, "false")) {
      o.literal = IsKeyword(t, "true");
      Next();
      return o;
    }
    if (t.kind == Tok::kIdent) {
      Token id = t;
      Next();
      if (Peek().kind != Tok::kDot) {
        return ParseError(id.line, id.column,
                          "expected a string, integer, true/false or '" + id.text +
                              ".value' reference, found identifier '" + id.text + "'");
      }
      Next();
      const Token& pt = Peek();
      auto prop = pt.kind == Tok::kIdent ? PropFromName(pt.text) : std::nullopt;
      if (!prop) return Expected("a claim property (type, value, issuer, valueType) after '.'");
      Next();
      if (!bound.count(id.text)) {
        return ParseError(
            id.line, id.column,
            "identifier '" + id.text + "' is not bound by an earlier condition of this rule");
      }
      o.is_ref = true;
      o.ref = id.text;
      o.ref_prop = *prop;
      return o;
    }
    return Expected("a string, integer, true/false or a claim reference such as c.value");
  }

  Result<Condition> ParseCondition(std::map<std::string, int>& bound, int index) {
    Condition c;
    if (Peek().kind == Tok::kIdent) {
      Token id = Peek();
      Next();
      if (Peek().kind != Tok::kColon) return Expected("':' after the condition identifier");
      Next();
      if (bound.count(id.text)) {
        return ParseError(id.line, id.column,
                          "identifier '" + id.text + "' is bound twice in this rule");
      }
      c.ident = id.text;
    }
    SKR_RETURN_IF_ERROR(Expect(Tok::kLBracket, "'[' starting a claim condition"));
    while (true) {
      const Token& pt = Peek();
      auto prop = pt.kind == Tok::kIdent ? PropFromName(pt.text) : std::nullopt;
      if (!prop) {
        return Expected("a claim property condition (type, value, issuer or valueType)");
      }
      Next();
      PropCond pc;
      pc.prop = *prop;
      const Token& op = Peek();
      switch (op.kind) {
        case Tok::kEq:
          pc.op = Op::kEq;
          break;
        case Tok::kNe:
          pc.op = Op::kNe;
          break;
        case Tok::kLt:
          pc.op = Op::kLt;
          break;
        case Tok::kLe:
          pc.op = Op::kLe;
          break;
        case Tok::kGt:
          pc.op = Op::kGt;
          break;
        case Tok::kGe:
          pc.op = Op::kGe;
          break;
        case Tok::kAssign:
          return ParseError(op.line, op.column,
                            "'=' is assignment; a condition compares with '==' (e.g. " +
                                std::string(PropName(*prop)) + "==\"...\")");
        default:
          return Expected("a comparison operator (==, !=, <, <=, >, >=) after '" +
                          std::string(PropName(*prop)) + "'");
      }
      Next();
      SKR_ASSIGN_OR_RETURN(pc.operand, ParseOperand(bound));
      if (pc.op != Op::kEq && pc.op != Op::kNe && !pc.operand.is_ref &&
          !pc.operand.literal.is_number_integer()) {
        return ParseError(op.line, op.column,
                          "operator " + op.text +
                              " applies to Integer values only (strings and "
                              "booleans support == and !=)");
      }
      if (pc.prop != Prop::kValue && !pc.operand.is_ref && !pc.operand.literal.is_string()) {
        return ParseError(op.line, op.column,
                          "claim property '" + std::string(PropName(pc.prop)) +
                              "' is a String; compare it with a string literal");
      }
      c.props.push_back(std::move(pc));
      if (Peek().kind == Tok::kComma) {
        Next();
        continue;
      }
      if (Peek().kind == Tok::kRBracket) {
        Next();
        break;
      }
      return Expected("',' or ']' in a claim condition");
    }
    if (!c.ident.empty()) bound[c.ident] = index;
    return c;
  }

  Result<Rule> ParseRule(Section section) {
    Rule r;
    r.line = Peek().line;
    std::map<std::string, int> bound;
    if (Peek().kind != Tok::kArrow) {
      while (true) {
        SKR_ASSIGN_OR_RETURN(Condition c,
                             ParseCondition(bound, static_cast<int>(r.conditions.size())));
        r.conditions.push_back(std::move(c));
        if (Peek().kind == Tok::kAnd) {
          Next();
          continue;
        }
        if (Peek().kind == Tok::kArrow) break;
        return Expected("'&&' or '=>' after a claim condition");
      }
    }
    Next();  // =>
    const Token& verb = Peek();
    if (verb.kind != Tok::kIdent)
      return Expected("an action (permit, deny, add, issue, issueproperty)");
    std::optional<ActionKind> kind;
    if (IsKeyword(verb, "permit")) kind = ActionKind::kPermit;
    if (IsKeyword(verb, "deny")) kind = ActionKind::kDeny;
    if (IsKeyword(verb, "add")) kind = ActionKind::kAdd;
    if (IsKeyword(verb, "issue")) kind = ActionKind::kIssue;
    if (IsKeyword(verb, "issueproperty")) kind = ActionKind::kIssueProperty;
    if (!kind) {
      return ParseError(verb.line, verb.column,
                        "unknown action '" + verb.text +
                            "' (expected permit, deny, add, issue or issueproperty)");
    }
    bool allowed = false;
    switch (section) {
      case Section::kConfiguration:
        allowed = *kind == ActionKind::kIssueProperty;
        break;
      case Section::kAuthorization:
        allowed =
            *kind == ActionKind::kPermit || *kind == ActionKind::kDeny || *kind == ActionKind::kAdd;
        break;
      case Section::kIssuance:
        allowed = *kind == ActionKind::kAdd || *kind == ActionKind::kIssue ||
                  *kind == ActionKind::kIssueProperty;
        break;
    }
    if (!allowed) {
      return ParseError(verb.line, verb.column,
                        "action '" + std::string(ActionName(*kind)) + "' is not allowed in '" +
                            std::string(SectionName(section)) + "'");
    }
    Next();
    r.action.kind = *kind;
    SKR_RETURN_IF_ERROR(Expect(Tok::kLParen, "'(' after the action"));
    if (*kind == ActionKind::kPermit || *kind == ActionKind::kDeny) {
      if (Peek().kind != Tok::kRParen) {
        return Expected("')': " + std::string(ActionName(*kind)) + "() takes no arguments");
      }
      Next();
    } else {
      int arg_line = Peek().line, arg_col = Peek().column;
      while (true) {
        const Token& name = Peek();
        if (name.kind != Tok::kIdent) return Expected("an argument (claim=, type=, value=)");
        Next();
        SKR_RETURN_IF_ERROR(Expect(Tok::kAssign, "'=' after argument '" + name.text + "'"));
        if (Lower(name.text, "claim")) {
          const Token& id = Peek();
          if (id.kind != Tok::kIdent) return Expected("a condition identifier after 'claim='");
          if (!bound.count(id.text)) {
            return ParseError(
                id.line, id.column,
                "identifier '" + id.text + "' is not bound by a condition of this rule");
          }
          if (!r.action.claim_ref.empty()) {
            return ParseError(name.line, name.column, "argument 'claim' given twice");
          }
          r.action.claim_ref = id.text;
          Next();
        } else if (Lower(name.text, "type") || Lower(name.text, "value")) {
          auto& slot = Lower(name.text, "type") ? r.action.type : r.action.value;
          if (slot) {
            return ParseError(name.line, name.column, "argument '" + name.text + "' given twice");
          }
          SKR_ASSIGN_OR_RETURN(Operand o, ParseOperand(bound));
          if (Lower(name.text, "type") && !o.is_ref && !o.literal.is_string()) {
            return ParseError(name.line, name.column, "argument 'type' must be a string");
          }
          slot = std::move(o);
        } else {
          return ParseError(name.line, name.column,
                            "unknown argument '" + name.text + "' (expected claim, type, value)");
        }
        if (Peek().kind == Tok::kComma) {
          Next();
          continue;
        }
        if (Peek().kind == Tok::kRParen) {
          Next();
          break;
        }
        return Expected("',' or ')' in the action arguments");
      }
      bool by_claim = !r.action.claim_ref.empty();
      if (by_claim && (r.action.type || r.action.value)) {
        return ParseError(arg_line, arg_col,
                          "give either claim=<identifier> or type=/value=, not both");
      }
      if (!by_claim && (!r.action.type || !r.action.value)) {
        return ParseError(arg_line, arg_col,
                          std::string(ActionName(*kind)) +
                              "() needs claim=<identifier> or both type= and value=");
      }
    }
    if (Peek().kind == Tok::kSemi) Next();
    return r;
  }

  std::vector<Token> t_;
  size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Evaluation

constexpr size_t kMaxMatchesPerRule = 4096;

nlohmann::json PropOf(const PolicyClaim& c, Prop p) {
  switch (p) {
    case Prop::kType:
      return c.type;
    case Prop::kValue:
      return c.value;
    case Prop::kIssuer:
      return c.issuer;
    case Prop::kValueType:
      return ClaimValueTypeName(c.value);
  }
  return nullptr;
}

bool Compare(const nlohmann::json& a, Op op, const nlohmann::json& b) {
  bool same_kind = (a.is_number_integer() && b.is_number_integer()) ||
                   (a.is_string() && b.is_string()) || (a.is_boolean() && b.is_boolean()) ||
                   (a.is_structured() && b.is_structured());
  switch (op) {
    case Op::kEq:
      return same_kind && a == b;
    case Op::kNe:
      return !(same_kind && a == b);
    default:
      break;
  }
  if (!a.is_number_integer() || !b.is_number_integer()) return false;
  int64_t x = a.get<int64_t>(), y = b.get<int64_t>();
  switch (op) {
    case Op::kLt:
      return x < y;
    case Op::kLe:
      return x <= y;
    case Op::kGt:
      return x > y;
    case Op::kGe:
      return x >= y;
    default:
      return false;
  }
}

using Binding = std::map<std::string, const PolicyClaim*>;

nlohmann::json Resolve(const Operand& o, const Binding& b) {
  if (!o.is_ref) return o.literal;
  return PropOf(*b.at(o.ref), o.ref_prop);
}

// Every binding of the rule's conditions to claims (each condition needs one claim satisfying all
// its property conditions), in claim order. A rule without conditions matches once.
void Match(const Rule& r, const std::vector<PolicyClaim>& claims, size_t i, Binding& b,
           std::vector<Binding>& out) {
  if (out.size() >= kMaxMatchesPerRule) return;
  if (i == r.conditions.size()) {
    out.push_back(b);
    return;
  }
  const Condition& c = r.conditions[i];
  for (const PolicyClaim& claim : claims) {
    bool ok = true;
    for (const PropCond& pc : c.props) {
      if (!Compare(PropOf(claim, pc.prop), pc.op, Resolve(pc.operand, b))) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    if (!c.ident.empty()) b[c.ident] = &claim;
    Match(r, claims, i + 1, b, out);
    if (!c.ident.empty()) b.erase(c.ident);
    // An anonymous condition only asks "is there such a claim": one witness is enough.
    if (c.ident.empty()) break;
  }
}

Result<PolicyClaim> BuildClaim(const Action& a, const Binding& b, int line) {
  PolicyClaim out;
  out.issuer = std::string(kIssuerAttestationPolicy);
  if (!a.claim_ref.empty()) {
    const PolicyClaim* c = b.at(a.claim_ref);
    out.type = c->type;
    out.value = c->value;
    return out;
  }
  nlohmann::json t = Resolve(*a.type, b);
  if (!t.is_string() || t.get<std::string>().empty()) {
    return PolicyViolation("attestation policy: rule at line " + std::to_string(line) +
                           ": issued claim type must be a non-empty string");
  }
  out.type = t.get<std::string>();
  out.value = Resolve(*a.value, b);
  return out;
}

}  // namespace

Result<Policy> Policy::Parse(std::string_view text) {
  SKR_ASSIGN_OR_RETURN(std::vector<Token> toks, Lex(text));
  Parser p(std::move(toks));
  SKR_ASSIGN_OR_RETURN(Impl impl, p.ParsePolicy());
  return Policy(std::string(text), std::make_shared<const Impl>(std::move(impl)));
}

Policy::Policy(std::string text, std::shared_ptr<const Impl> impl)
    : text_(std::move(text)), impl_(std::move(impl)) {}
Policy::Policy(const Policy&) = default;
Policy& Policy::operator=(const Policy&) = default;
Policy::Policy(Policy&&) noexcept = default;
Policy& Policy::operator=(Policy&&) noexcept = default;
Policy::~Policy() = default;

size_t Policy::authorization_rule_count() const { return impl_->authorization.size(); }
size_t Policy::issuance_rule_count() const { return impl_->issuance.size(); }

Result<PolicyEvaluation> Policy::Evaluate(const std::vector<PolicyClaim>& incoming) const {
  PolicyEvaluation ev;
  std::vector<PolicyClaim> claims = incoming;

  auto run = [&](const std::vector<Rule>& rules, Section section, bool* permitted) -> Result<void> {
    for (size_t n = 0; n < rules.size(); ++n) {
      const Rule& r = rules[n];
      std::vector<Binding> matches;
      Binding b;
      Match(r, claims, 0, b, matches);
      if (matches.empty()) continue;
      std::string rule_name = std::string(SectionName(section)) + " rule " + std::to_string(n + 1) +
                              " (line " + std::to_string(r.line) + ")";
      switch (r.action.kind) {
        case ActionKind::kPermit:
          *permitted = true;
          break;
        case ActionKind::kDeny:
          return PolicyViolation("attestation policy denied the request: " + rule_name +
                                 " matched and its action is deny()");
        case ActionKind::kAdd:
        case ActionKind::kIssue:
        case ActionKind::kIssueProperty: {
          std::vector<PolicyClaim> produced;
          for (const Binding& m : matches) {
            SKR_ASSIGN_OR_RETURN(PolicyClaim c, BuildClaim(r.action, m, r.line));
            produced.push_back(std::move(c));
          }
          for (PolicyClaim& c : produced) {
            if (r.action.kind == ActionKind::kIssue) ev.issued.push_back(c);
            if (r.action.kind == ActionKind::kIssueProperty) ev.properties.push_back(c);
            claims.push_back(std::move(c));
          }
          break;
        }
      }
    }
    return Ok();
  };

  bool unused = false;
  SKR_RETURN_IF_ERROR(run(impl_->configuration, Section::kConfiguration, &unused));
  bool permitted = false;
  SKR_RETURN_IF_ERROR(run(impl_->authorization, Section::kAuthorization, &permitted));
  if (!permitted) {
    return PolicyViolation(
        "attestation policy denied the request: no authorizationrules rule permitted it (" +
        std::to_string(impl_->authorization.size()) + " rules, none with permit() matched)");
  }
  SKR_RETURN_IF_ERROR(run(impl_->issuance, Section::kIssuance, &unused));
  return ev;
}

}  // namespace skr::mock_maa
