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

}  // namespace workspaced::dataplane
