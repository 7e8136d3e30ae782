#include "core/approval.hpp"

#include <array>

#include "core/error.hpp"

namespace megaforce::approval {

namespace {

constexpr std::array<const char*, kStatusCount> kStatusNames = {
    "draft", "pending_review", "changes_requested", "approved", "rejected", "published", "archived"};
constexpr std::array<const char*, 4> kRoleNames = {"admin", "editor", "reviewer", "viewer"};

// The SPEC §3 table, one entry per action.
//                    owner  admin  editor reviewer owner_excluded
constexpr Allowed kOwnerOnly{true, false, false, false, false};
constexpr Allowed kOwnerEditorAdmin{true, true, true, false, false};
constexpr Allowed kReviewerAdminNotOwner{false, true, false, true, true};
constexpr Allowed kOwnerAdmin{true, true, false, false, false};
constexpr Allowed kEditorAdmin{false, true, true, false, false};

const std::array<ActionInfo, 8> kActions = {{
    {Action::kCreate, "create_output", "create", Status::kDraft, kOwnerOnly, false},
    {Action::kSubmit, "submit_output", "submit", Status::kPendingReview, kOwnerEditorAdmin, false},
    {Action::kApprove, "approve_output", "approve", Status::kApproved, kReviewerAdminNotOwner, false},
    {Action::kRequestChanges, "request_changes", "request changes on", Status::kChangesRequested,
     kReviewerAdminNotOwner, true},
    {Action::kReject, "reject_output", "reject", Status::kRejected, kReviewerAdminNotOwner, true},
    {Action::kReopen, "reopen_output", "reopen", Status::kDraft, kOwnerAdmin, false},
    {Action::kPublish, "publish_output", "publish", Status::kPublished, kEditorAdmin, false},
    {Action::kArchive, "archive_output", "archive", Status::kArchived, kOwnerAdmin, false},
}};

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

bool role_allowed(const Allowed& allowed, Role role) {
  switch (role) {
    case Role::kAdmin: return allowed.admin;
    case Role::kEditor: return allowed.editor;
    case Role::kReviewer: return allowed.reviewer;
    case Role::kViewer: return false;
  }
  return false;
}

// The refusals every actor check shares: none, unknown, inactive, viewer.
const Actor& require_actor(std::string_view output_id, const std::optional<Actor>& actor,
                           std::string_view actor_text, const char* what) {
  if (actor_text.empty() && !actor)
    throw Error(sqlstate::kInsufficientPrivilege,
                std::string("no actor for ") + what + " output " + std::string(output_id),
                {}, "Call a megaforce workflow function, or SET LOCAL megaforce.actor_id to the acting user's id.");
  return require_active_user(actor, actor_text, "actor", "change outputs");
}

}  // namespace

std::optional<Status> parse_status(std::string_view text) {
  for (int i = 0; i < kStatusCount; ++i)
    if (text == kStatusNames[i]) return static_cast<Status>(i);
  return std::nullopt;
}

const char* name(Status status) { return kStatusNames[static_cast<int>(status)]; }

std::optional<Role> parse_role(std::string_view text) {
  for (std::size_t i = 0; i < kRoleNames.size(); ++i)
    if (text == kRoleNames[i]) return static_cast<Role>(i);
  return std::nullopt;
}

const char* name(Role role) { return kRoleNames[static_cast<int>(role)]; }

std::vector<std::string> Allowed::names() const {
  std::vector<std::string> out;
  if (owner && !owner_excluded) out.emplace_back("owner");
  if (reviewer) out.emplace_back("reviewer");
  if (editor) out.emplace_back("editor");
  if (admin) out.emplace_back("admin");
  return out;
}

const ActionInfo& info(Action action) { return kActions[static_cast<int>(action)]; }

Action action_for_target(Status target) {
  switch (target) {
    case Status::kDraft: return Action::kReopen;
    case Status::kPendingReview: return Action::kSubmit;
    case Status::kChangesRequested: return Action::kRequestChanges;
    case Status::kApproved: return Action::kApprove;
    case Status::kRejected: return Action::kReject;
    case Status::kPublished: return Action::kPublish;
    case Status::kArchived: return Action::kArchive;
  }
  return Action::kArchive;
}

bool starts_from(Action action, std::optional<Status> from) {
  if (action == Action::kCreate) return !from;
  if (!from) return false;
  switch (action) {
    case Action::kSubmit: return *from == Status::kDraft || *from == Status::kChangesRequested;
    case Action::kApprove:
    case Action::kRequestChanges:
    case Action::kReject: return *from == Status::kPendingReview;
    case Action::kReopen: return *from == Status::kChangesRequested || *from == Status::kRejected;
    case Action::kPublish: return *from == Status::kApproved;
    case Action::kArchive: return *from != Status::kArchived;
    case Action::kCreate: break;
  }
  return false;
}

std::string expected_from(Action action) {
  if (action == Action::kArchive) return "any status but archived";
  std::string out;
  for (int i = 0; i < kStatusCount; ++i) {
    auto status = static_cast<Status>(i);
    if (!starts_from(action, status)) continue;
    if (!out.empty()) out += " or ";
    out += name(status);
  }
  return out;
}

const std::vector<Transition>& transitions() {
  static const std::vector<Transition> table = [] {
    std::vector<Transition> rows;
    rows.push_back({std::nullopt, Status::kDraft, Action::kCreate});
    for (const ActionInfo& a : kActions) {
      if (a.action == Action::kCreate) continue;
      for (int i = 0; i < kStatusCount; ++i) {
        auto from = static_cast<Status>(i);
        if (starts_from(a.action, from)) rows.push_back({from, a.target, a.action});
      }
    }
    return rows;
  }();
  return table;
}

Status check_target(std::string_view output_id, Status from, std::string_view to) {
  std::optional<Status> target = parse_status(to);
  if (!target)
    throw Error(sqlstate::kInvalidParameterValue,
                "unknown output status " + quoted(to), {},
                "Statuses: draft, pending_review, changes_requested, approved, rejected, published, archived.");
  Action action = action_for_target(*target);
  if (!starts_from(action, from))
    throw Error(sqlstate::kObjectNotInPrerequisiteState,
                std::string("cannot ") + info(action).verb + " output " + std::string(output_id) +
                    ": status is " + name(from) + ", expected " + expected_from(action));
  return *target;
}

void check_actor(std::string_view output_id, Action action, const std::optional<Actor>& actor,
                 std::string_view actor_text) {
  const ActionInfo& step = info(action);
  const Actor& who = require_actor(output_id, actor, actor_text, step.verb);
  if (step.allowed.owner_excluded && who.is_owner)
    throw Error(sqlstate::kInsufficientPrivilege,
                "actor " + who.id + " owns output " + std::string(output_id) + " and may not " +
                    step.verb + " it (four-eyes rule)");
  if ((step.allowed.owner && who.is_owner) || role_allowed(step.allowed, who.role)) return;
  std::string roles;
  for (const std::string& r : step.allowed.names()) roles += (roles.empty() ? "" : ", ") + r;
  throw Error(sqlstate::kInsufficientPrivilege,
              "actor " + who.id + " (" + name(who.role) + ") may not " + step.verb + " output " +
                  std::string(output_id),
              "Allowed: " + roles + ".");
}

void check_comment(std::string_view output_id, Action action, std::string_view comment) {
  const ActionInfo& step = info(action);
  if (step.comment_required && is_blank(comment))
    throw Error(sqlstate::kInvalidParameterValue,
                std::string("a comment is required to ") + step.verb + " output " +
                    std::string(output_id));
}

void check_edit(std::string_view output_id, Status status, const std::optional<Actor>& actor,
                std::string_view actor_text) {
  if (status != Status::kDraft && status != Status::kChangesRequested)
    throw Error(sqlstate::kObjectNotInPrerequisiteState,
                "cannot edit output " + std::string(output_id) + ": status is " + name(status) +
                    ", expected draft or changes_requested");
  const Actor& who = require_actor(output_id, actor, actor_text, "edit of");
  if (who.is_owner || who.role == Role::kEditor || who.role == Role::kAdmin) return;
  throw Error(sqlstate::kInsufficientPrivilege,
              "actor " + who.id + " (" + name(who.role) + ") may not edit output " +
                  std::string(output_id),
              "Allowed: owner, editor, admin.");
}

void check_create(const std::optional<Actor>& owner, std::string_view owner_text) {
  require_active_user(owner, owner_text, "owner", "create outputs");
}

const Actor& require_active_user(const std::optional<Actor>& user, std::string_view user_text,
                                 const char* noun, const char* may_not) {
  if (!user)
    throw Error(sqlstate::kInsufficientPrivilege,
                std::string(noun) + " " + std::string(user_text) + " is not a megaforce user");
  if (!user->active)
    throw Error(sqlstate::kInsufficientPrivilege, std::string(noun) + " " + user->id + " is inactive");
  if (user->role == Role::kViewer)
    throw Error(sqlstate::kInsufficientPrivilege,
                std::string(noun) + " " + user->id + " is a viewer and may not " + may_not);
  return *user;
}

bool is_blank(std::string_view text) {
  for (char c : text)
    if (!(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')) return false;
  return true;
}

std::string notification(std::string_view output_id, std::optional<Status> from, Status to,
                         std::string_view actor_id, std::int64_t revision) {
  // Every value is a uuid, a status name or a number: nothing needs escaping.
  std::string json = "{\"id\": \"" + std::string(output_id) + "\", \"from\": ";
  json += from ? quoted(name(*from)) : "null";
  json += ", \"to\": " + quoted(name(to)) + ", \"actor\": \"" + std::string(actor_id) +
          "\", \"revision\": " + std::to_string(revision) + "}";
  return json;
}

}  // namespace megaforce::approval
