#include "dataplane/dataplane.h"

namespace workspaced::dataplane {
namespace {
Status NoPillars() { return Internal("dataplane: this dataplane keeps no pillar data"); }
}  // namespace

StatusOr<NumberedSecret> Dataplane::AddPendingSecret(const model::Workspace&, const SecretRow&,
                                                   FunctionRef<std::string(std::int64_t)>) {
  return NoPillars();
}
Status Dataplane::CommitSecretOperation(const model::Workspace&, std::string_view, int) {
  return NoPillars();
}
Status Dataplane::DiscardSecretOperation(const model::Workspace&, std::string_view) {
  return NoPillars();
}
StatusOr<std::vector<SecretRow>> Dataplane::ListSecretRows(const model::Workspace&,
                                                           const SecretRowQuery&) {
  return NoPillars();
}

Status Dataplane::AddPendingVaultRows(const model::Workspace&, const std::vector<VaultRow>&) {
  return NoPillars();
}
Status Dataplane::CommitVaultOperation(const model::Workspace&, std::string_view) {
  return NoPillars();
}
Status Dataplane::DiscardVaultOperation(const model::Workspace&, std::string_view) {
  return NoPillars();
}
StatusOr<std::vector<VaultRow>> Dataplane::ListVaultRows(const model::Workspace&,
                                                         const VaultRowQuery&) {
  return NoPillars();
}

StatusOr<bool> Dataplane::HoldsPillarRows(const model::Workspace& ws) {
  WS_ASSIGN_OR_RETURN(const auto secrets, ListSecretRows(ws, {.limit = 1}));
  if (!secrets.empty()) return true;
  WS_ASSIGN_OR_RETURN(const auto vault, ListVaultRows(ws, {.limit = 1}));
  return !vault.empty();
}

}  // namespace workspaced::dataplane
