// Explicit error results for every fallible operation in skr-harness (abseil StatusOr style,
// C++20).
#ifndef SKR_BASE_RESULT_H_
#define SKR_BASE_RESULT_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace skr {

// What kind of failure; callers branch on this, users read the message.
enum class ErrorCode {
  kInvalidArgument,     // the caller passed something unusable
  kMalformed,           // input bytes/text do not follow the format (bounds, magic, sizes, syntax)
  kVerificationFailed,  // authentic-ness check failed: signature, chain, binding
  kPolicyViolation,     // evidence is authentic but does not satisfy a policy
  kNotFound,
  kUnsupported,  // well-formed but outside what is implemented (version, algorithm)
  kUnavailable,  // an external resource (file, service, TPM) could not be reached
  kInternal,     // a library (OpenSSL, TSS) failed unexpectedly
};

std::string_view ErrorCodeName(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns the same error with "context: " in front, for errors passing up through layers.
  Error WithContext(std::string_view context) const {
    return Error(code_, std::string(context) + ": " + message_);
  }
  std::string ToString() const { return std::string(ErrorCodeName(code_)) + ": " + message_; }

 private:
  ErrorCode code_;
  std::string message_;
};

inline Error InvalidArgument(std::string m) {
  return Error(ErrorCode::kInvalidArgument, std::move(m));
}
inline Error Malformed(std::string m) { return Error(ErrorCode::kMalformed, std::move(m)); }
inline Error VerificationFailed(std::string m) {
  return Error(ErrorCode::kVerificationFailed, std::move(m));
}
inline Error PolicyViolation(std::string m) {
  return Error(ErrorCode::kPolicyViolation, std::move(m));
}
inline Error NotFound(std::string m) { return Error(ErrorCode::kNotFound, std::move(m)); }
inline Error Unsupported(std::string m) { return Error(ErrorCode::kUnsupported, std::move(m)); }
inline Error Unavailable(std::string m) { return Error(ErrorCode::kUnavailable, std::move(m)); }
inline Error Internal(std::string m) { return Error(ErrorCode::kInternal, std::move(m)); }

// Either a T or an Error. Result<void> carries only success or an Error.
template <typename T = void>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(!ok());
    return *error_;
  }

 private:
  std::optional<Error> error_;
};

inline Result<void> Ok() { return Result<void>(); }

}  // namespace skr

#define SKR_CONCAT_INNER_(a, b) a##b
#define SKR_CONCAT_(a, b) SKR_CONCAT_INNER_(a, b)

// Returns the error of `expr` (a Result) from the enclosing function if it failed.
#define SKR_RETURN_IF_ERROR(expr)                      \
  do {                                                 \
    auto skr_status_ = (expr);                         \
    if (!skr_status_.ok()) return skr_status_.error(); \
  } while (0)

// `lhs` = the value of `expr` (a Result<T>), or returns its error from the enclosing function.
#define SKR_ASSIGN_OR_RETURN(lhs, expr) \
  SKR_ASSIGN_OR_RETURN_IMPL_(SKR_CONCAT_(skr_result_, __LINE__), lhs, expr)
#define SKR_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.error();               \
  lhs = std::move(tmp).value()

#endif  // SKR_BASE_RESULT_H_
