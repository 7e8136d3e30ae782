#include "core/email.hpp"

namespace megaforce::email {

namespace {
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_control(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}
}  // namespace

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::string problem(std::string_view address) {
  if (address.empty()) return "email is empty";
  if (address.size() > kMaxLength)
    return "email is longer than " + std::to_string(kMaxLength) + " characters";
  for (char c : address) {
    if (is_space(c) || is_control(c)) return "email contains white space or a control character";
  }
  auto at = address.find('@');
  if (at == std::string_view::npos) return "email has no '@'";
  if (address.find('@', at + 1) != std::string_view::npos) return "email has more than one '@'";
  if (at == 0) return "email has nothing before the '@'";
  std::string_view domain = address.substr(at + 1);
  auto dot = domain.find('.');
  if (dot == std::string_view::npos) return "email domain has no dot";
  if (domain.front() == '.' || domain.back() == '.') return "email domain starts or ends with a dot";
  if (domain.find("..") != std::string_view::npos) return "email domain has an empty label";
  return {};
}

}  // namespace megaforce::email
