// The fixture of the backend-neutral Store suite (store_suite_*_test.cc):
// each test gets a fresh, migrated store holding two accounts, kAcme and
// kGlobex. It runs against every backend of backends.h.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "model/relationships.h"
#include "store/store.h"
#include "store/testing/backends.h"
#include "store/testing/status_matchers.h"
#include "store/testing/temp_dir.h"

namespace workspaced::store::testing {

// UUID-shaped ids whose text order is n's order, as UUIDv7 ids are.
inline std::string Id(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "01900000-0000-7000-8000-%012d", n);
  return buf;
}

inline const std::string kAcme = Id(900);
inline const std::string kGlobex = Id(901);

inline model::Workspace MakeWorkspace(const std::string& id, const std::string& account,
                                      const std::string& slug) {
  model::Workspace ws;
  ws.id = id;
  ws.account_id = account;
  ws.name = "Workspace " + slug;
  ws.slug = slug;
  ws.region = "eu-west-1";
  ws.created_at = 1'700'000'000'000'001;
  ws.updated_at = ws.created_at;
  ws.created_by = "alice";
  ws.updated_by = "alice";
  return ws;
}

// Every field, one per line, so a mismatch shows exactly which differs.
inline std::string Dump(const model::Workspace& ws) {
  std::ostringstream out;
  out << "id=" << ws.id << "\naccount_id=" << ws.account_id << "\nname=" << ws.name
      << "\nslug=" << ws.slug << "\nstatus=" << model::ToString(ws.status)
      << "\nregion=" << ws.region << "\ntenancy=" << model::ToString(ws.tenancy_model)
      << "\ncreated_at=" << ws.created_at << "\nupdated_at=" << ws.updated_at
      << "\ncreated_by=" << ws.created_by << "\nupdated_by=" << ws.updated_by
      << "\nruntime_generation=" << ws.runtime_generation << "\nstatus_reason=" << ws.status_reason
      << "\nphase=" << model::ToString(ws.phase) << "\nversion=" << ws.version
      << "\nfrozen_by=" << ws.frozen_by << "\nfrozen_at=" << ws.frozen_at
      << "\ndeletion_protection=" << ws.deletion_protection << "\nlabels=";
  for (const auto& [k, v] : ws.labels) out << "[" << k << "=" << v << "]";
  out << "\ngroup_mappings=";
  for (const auto& g : ws.group_mappings) {
    out << "[" << g.group_name << ":" << model::ToString(g.role) << "]";
  }
  return out.str();
}

template <typename Item>  // model::Workspace, WorkspaceStamp
std::vector<std::string> Ids(const std::vector<Item>& list) {
  std::vector<std::string> ids;
  ids.reserve(list.size());
  for (const Item& item : list) ids.push_back(item.id);
  return ids;
}

class StoreSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    store_ = GetParam().open(dir_.path().string());
    if (store_ == nullptr) GTEST_SKIP() << GetParam().name << " backend not available";
    WS_ASSERT_OK(store_->Migrate());
    WS_ASSERT_OK(Write([](Tx& tx) {
      WS_RETURN_IF_ERROR(tx.InsertAccount({kAcme, "Acme", 1}));
      return tx.InsertAccount({kGlobex, "Globex", 2});
    }));
  }

  template <typename F>
  Status Write(F&& fn) {
    return store_->Write(fn);
  }

  // Runs one Tx call in its own read transaction and returns its result.
  template <typename F>
  auto Get(F&& fn) -> decltype(fn(std::declval<Tx&>())) {
    std::optional<decltype(fn(std::declval<Tx&>()))> out;
    const Status s = store_->Read([&](Tx& tx) {
      out.emplace(fn(tx));
      return Status::Ok();
    });
    if (!s.ok()) return s;
    return std::move(*out);
  }

  Status Insert(const model::Workspace& ws) {
    return Write([&](Tx& tx) { return tx.InsertWorkspace(ws); });
  }
  // Inserts and grants its group mappings, as provisioning's
  // write_relationships step does (until then a mapping grants nothing).
  Status InsertGranted(const model::Workspace& ws) {
    return Write([&](Tx& tx) -> Status {
      WS_RETURN_IF_ERROR(tx.InsertWorkspace(ws));
      return tx.TouchRelationships(model::GroupMappingRelationships(
          ws.id, ws.group_mappings, model::DefaultTrustedIssuers()));
    });
  }
  StatusOr<model::Workspace> Fetch(const std::string& id) {
    return Get([&](Tx& tx) { return tx.GetWorkspace(id); });
  }
  StatusOr<std::vector<WorkspaceStamp>> ForSubject(const std::string& subject,
                                                   const std::vector<std::string>& groups,
                                                   Page page = {}) {
    return Get([&](Tx& tx) { return tx.ListWorkspacesForSubject(subject, groups, page); });
  }
  Status AddMember(const std::string& ws, const std::string& subject) {
    return Write([&](Tx& tx) {
      return tx.PutWorkspaceMember({ws, subject, model::WorkspaceRole::kMember, 5});
    });
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace workspaced::store::testing
