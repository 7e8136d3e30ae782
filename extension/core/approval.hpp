// The approval workflow of generated outputs (SPEC §3) as data: statuses,
// roles, the transition table, and the rules that decide whether an actor may
// take a step. Plain C++: the trigger in extension/pg/output_workflow.cpp asks
// this code; GoogleTest checks it against the SPEC table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace megaforce::approval {

enum class Status : std::uint8_t {
  kDraft,
  kPendingReview,
  kChangesRequested,
  kApproved,
  kRejected,
  kPublished,
  kArchived,
};
inline constexpr int kStatusCount = 7;

enum class Role : std::uint8_t { kAdmin, kEditor, kReviewer, kViewer };

std::optional<Status> parse_status(std::string_view text);
const char* name(Status status);
std::optional<Role> parse_role(std::string_view text);
const char* name(Role role);

// Who may take a step: a set of roles plus the pseudo-role `owner`.
struct Allowed {
  bool owner = false;
  bool admin = false;
  bool editor = false;
  bool reviewer = false;
  // Four-eyes: the output's owner may never take this step, whatever the role.
  bool owner_excluded = false;

  // The roles as output_transitions() lists them ("owner" first when allowed).
  std::vector<std::string> names() const;
};

// The workflow's actions; every target status is reached by exactly one.
enum class Action : std::uint8_t {
  kCreate,
  kSubmit,
  kApprove,
  kRequestChanges,
  kReject,
  kReopen,
  kPublish,
  kArchive,
};

struct ActionInfo {
  Action action;
  const char* function;  // the SQL function: "submit_output", ...
  const char* verb;      // for messages: "cannot <verb> output ..."
  Status target;
  Allowed allowed;
  bool comment_required;
};

const ActionInfo& info(Action action);
// The action that moves an output to `target` (kCreate never: creation is an INSERT).
Action action_for_target(Status target);
// Whether `action` may start from `from` (nullopt = creation).
bool starts_from(Action action, std::optional<Status> from);
// "pending_review", "draft or changes_requested", "any status but archived".
std::string expected_from(Action action);

// One row of output_transitions().
struct Transition {
  std::optional<Status> from;
  Status to;
  Action action;
};
// Every legal step, the creation (null -> draft) first; archive has one row
// per status it may start from.
const std::vector<Transition>& transitions();

// The acting user as the database knows it.
struct Actor {
  std::string id;
  Role role = Role::kViewer;
  bool active = false;
  bool is_owner = false;
};

// The checks of one step, called in the SPEC's order (§3): unknown target
// status (22023), illegal transition (55000), actor (42501), missing comment
// (22023); each throws megaforce::Error with that SQLSTATE. The caller looks
// the actor up between the first two and the last two: check_target returns
// the target status. `actor_text` is the actor id as given (empty = none);
// `actor` is what the database knows of it (nullopt = unknown user).
Status check_target(std::string_view output_id, Status from, std::string_view to);
void check_actor(std::string_view output_id, Action action, const std::optional<Actor>& actor,
                 std::string_view actor_text);
void check_comment(std::string_view output_id, Action action, std::string_view comment);
// An edit of title or content: only in draft and changes_requested (55000),
// by the owner, an editor or an admin (42501).
void check_edit(std::string_view output_id, Status status, const std::optional<Actor>& actor,
                std::string_view actor_text);
// A creation: by an active, non-viewer owner (42501).
void check_create(const std::optional<Actor>& owner, std::string_view owner_text);

// The refusals every acting user meets (42501): unknown (nullopt; named
// by `user_text`), inactive, viewer. `noun` is "actor" or "owner"; `may_not`
// ends "... is a viewer and may not <may_not>".
const Actor& require_active_user(const std::optional<Actor>& user, std::string_view user_text,
                                 const char* noun, const char* may_not);

// A blank comment (empty or white space only) counts as missing.
bool is_blank(std::string_view text);

// The NOTIFY megaforce_outputs payload: {"id","from","to","actor","revision"}.
std::string notification(std::string_view output_id, std::optional<Status> from, Status to,
                         std::string_view actor_id, std::int64_t revision);

}  // namespace megaforce::approval
