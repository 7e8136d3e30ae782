// The approval state machine against SPEC §3, written out independently of
// extension/core/approval.cpp: every (from, to, role, owner?, comment?) case.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/approval.hpp"
#include "core/error.hpp"

namespace ap = megaforce::approval;

namespace {

const std::vector<std::string> kStatuses = {"draft", "pending_review", "changes_requested",
                                            "approved", "rejected", "published", "archived"};
const std::vector<std::string> kRoles = {"admin", "editor", "reviewer", "viewer"};

// The SPEC table: (from, to) -> {allowed roles incl. pseudo-role "owner",
// owner excluded?, comment required?}.
struct Rule {
  std::set<std::string> roles;
  bool owner_excluded;
  bool comment_required;
};
std::map<std::pair<std::string, std::string>, Rule> spec_table() {
  std::map<std::pair<std::string, std::string>, Rule> t;
  Rule submit{{"owner", "editor", "admin"}, false, false};
  Rule review{{"reviewer", "admin"}, true, false};
  Rule review_commented{{"reviewer", "admin"}, true, true};
  Rule reopen{{"owner", "admin"}, false, false};
  Rule publish{{"editor", "admin"}, false, false};
  Rule archive{{"owner", "admin"}, false, false};
  t[{"draft", "pending_review"}] = submit;
  t[{"pending_review", "approved"}] = review;
  t[{"pending_review", "changes_requested"}] = review_commented;
  t[{"pending_review", "rejected"}] = review_commented;
  t[{"changes_requested", "pending_review"}] = submit;
  t[{"changes_requested", "draft"}] = reopen;
  t[{"rejected", "draft"}] = reopen;
  t[{"approved", "published"}] = publish;
  for (const auto& s : kStatuses)
    if (s != "archived") t[{s, "archived"}] = archive;
  return t;
}

// What the workflow answers: "" for allowed, else the SQLSTATE.
std::string outcome(const std::string& from, const std::string& to, const std::string& role,
                    bool owner, const std::string& comment) {
  try {
    ap::Status target = ap::check_target("o1", *ap::parse_status(from), to);
    ap::Actor actor{"u1", *ap::parse_role(role), true, owner};
    ap::Action action = ap::action_for_target(target);
    ap::check_actor("o1", action, actor, "u1");
    ap::check_comment("o1", action, comment);
    return "";
  } catch (const megaforce::Error& e) {
    return e.sqlstate();
  }
}

}  // namespace

TEST(Approval, EveryCombinationMatchesTheSpecTable) {
  auto table = spec_table();
  int cases = 0;
  for (const auto& from : kStatuses)
    for (const auto& to : kStatuses)
      for (const auto& role : kRoles)
        for (bool owner : {false, true})
          for (const std::string comment : {"", "   ", "looks good"}) {
            std::string expected;
            auto rule = table.find({from, to});
            if (rule == table.end()) {
              expected = "55000";
            } else {
              const Rule& r = rule->second;
              bool by_role = r.roles.count(role) > 0;
              bool by_owner = owner && r.roles.count("owner") > 0;
              if (role == "viewer" || (owner && r.owner_excluded) || !(by_role || by_owner))
                expected = "42501";
              else if (r.comment_required && comment.find_first_not_of(' ') == std::string::npos)
                expected = "22023";
            }
            EXPECT_EQ(outcome(from, to, role, owner, comment), expected)
                << from << " -> " << to << " by " << role << (owner ? " (owner)" : "")
                << " comment '" << comment << "'";
            ++cases;
          }
  EXPECT_EQ(cases, 7 * 7 * 4 * 2 * 3);
}

TEST(Approval, TransitionTableListsEveryStepOnce) {
  const auto& rows = ap::transitions();
  ASSERT_EQ(rows.size(), 1u + spec_table().size());  // the creation, then the SPEC table
  EXPECT_FALSE(rows.front().from.has_value());
  EXPECT_EQ(rows.front().to, ap::Status::kDraft);
  EXPECT_STREQ(ap::info(rows.front().action).function, "create_output");
  auto table = spec_table();
  for (std::size_t i = 1; i < rows.size(); ++i) {
    auto key = std::make_pair(std::string(ap::name(*rows[i].from)), std::string(ap::name(rows[i].to)));
    ASSERT_TRUE(table.count(key)) << key.first << " -> " << key.second;
    const ap::ActionInfo& info = ap::info(rows[i].action);
    std::vector<std::string> names = info.allowed.names();
    std::set<std::string> roles(names.begin(), names.end());
    EXPECT_EQ(roles, table[key].roles) << key.first << " -> " << key.second;
    EXPECT_EQ(info.comment_required, table[key].comment_required);
    // Four-eyes: owner is never listed where the owner is excluded.
    if (info.allowed.owner_excluded) EXPECT_EQ(roles.count("owner"), 0u);
    table.erase(key);
  }
  EXPECT_TRUE(table.empty());
}

TEST(Approval, ActionsAreNamedLikeTheirFunctions) {
  EXPECT_STREQ(ap::info(ap::Action::kSubmit).function, "submit_output");
  EXPECT_STREQ(ap::info(ap::Action::kApprove).function, "approve_output");
  EXPECT_STREQ(ap::info(ap::Action::kRequestChanges).function, "request_changes");
  EXPECT_STREQ(ap::info(ap::Action::kReject).function, "reject_output");
  EXPECT_STREQ(ap::info(ap::Action::kReopen).function, "reopen_output");
  EXPECT_STREQ(ap::info(ap::Action::kPublish).function, "publish_output");
  EXPECT_STREQ(ap::info(ap::Action::kArchive).function, "archive_output");
}

TEST(Approval, OrderOfChecks) {
  // Unknown target before anything else.
  EXPECT_EQ(outcome("draft", "bogus", "viewer", true, ""), "22023");
  // Illegal before actor: a viewer asking for an illegal step hears 55000.
  EXPECT_EQ(outcome("draft", "approved", "viewer", false, ""), "55000");
  // Actor before comment.
  EXPECT_EQ(outcome("pending_review", "rejected", "editor", false, ""), "42501");
}

TEST(Approval, MessagesNameOutputActionAndExpectedState) {
  try {
    ap::check_target("abc", ap::Status::kDraft, "approved");
    FAIL();
  } catch (const megaforce::Error& e) {
    EXPECT_STREQ(e.what(), "cannot approve output abc: status is draft, expected pending_review");
  }
  try {
    ap::check_target("abc", ap::Status::kApproved, "pending_review");
    FAIL();
  } catch (const megaforce::Error& e) {
    EXPECT_STREQ(e.what(),
                 "cannot submit output abc: status is approved, expected draft or changes_requested");
  }
}

TEST(Approval, ActorRefusals) {
  auto refusal = [](const std::optional<ap::Actor>& actor, const char* text) {
    try {
      ap::check_actor("o", ap::Action::kSubmit, actor, text);
      return std::string();
    } catch (const megaforce::Error& e) {
      return std::string(e.sqlstate()) + " " + e.what();
    }
  };
  EXPECT_EQ(refusal(std::nullopt, ""), "42501 no actor for submit output o");
  EXPECT_EQ(refusal(std::nullopt, "u9"), "42501 actor u9 is not a megaforce user");
  EXPECT_EQ(refusal(ap::Actor{"u1", ap::Role::kAdmin, false, false}, "u1"), "42501 actor u1 is inactive");
  EXPECT_EQ(refusal(ap::Actor{"u1", ap::Role::kViewer, true, true}, "u1"),
            "42501 actor u1 is a viewer and may not change outputs");
  EXPECT_EQ(refusal(ap::Actor{"u1", ap::Role::kEditor, true, false}, "u1"), "");
}

TEST(Approval, Edits) {
  ap::Actor owner{"u1", ap::Role::kReviewer, true, true};
  ap::Actor reviewer{"u2", ap::Role::kReviewer, true, false};
  ap::Actor editor{"u3", ap::Role::kEditor, true, false};
  EXPECT_NO_THROW(ap::check_edit("o", ap::Status::kDraft, owner, "u1"));
  EXPECT_NO_THROW(ap::check_edit("o", ap::Status::kChangesRequested, editor, "u3"));
  EXPECT_THROW(ap::check_edit("o", ap::Status::kDraft, reviewer, "u2"), megaforce::Error);
  for (auto s : {ap::Status::kPendingReview, ap::Status::kApproved, ap::Status::kRejected,
                 ap::Status::kPublished, ap::Status::kArchived}) {
    try {
      ap::check_edit("o", s, editor, "u3");
      FAIL();
    } catch (const megaforce::Error& e) {
      EXPECT_STREQ(e.sqlstate(), "55000");
    }
  }
}

TEST(Approval, NotificationPayload) {
  EXPECT_EQ(ap::notification("o1", std::nullopt, ap::Status::kDraft, "u1", 1),
            R"({"id": "o1", "from": null, "to": "draft", "actor": "u1", "revision": 1})");
  EXPECT_EQ(ap::notification("o1", ap::Status::kDraft, ap::Status::kPendingReview, "u1", 3),
            R"({"id": "o1", "from": "draft", "to": "pending_review", "actor": "u1", "revision": 3})");
}

TEST(Approval, BlankComments) {
  EXPECT_TRUE(ap::is_blank(""));
  EXPECT_TRUE(ap::is_blank(" \t\n"));
  EXPECT_FALSE(ap::is_blank(" x "));
}
