#include "dataplane/routing_dataplane.h"

#include <utility>

#include "common/log.h"

namespace workspaced::dataplane {
namespace {

class Routing final : public Dataplane {
 public:
  Routing(std::unique_ptr<Dataplane> fallback,
          std::map<std::string, std::unique_ptr<Dataplane>> cells)
      : fallback_(std::move(fallback)), cells_(std::move(cells)) {}
  Status Provision(const model::Workspace& ws) override { return For(ws).Provision(ws); }
  Status Deprovision(const model::Workspace& ws) override { return For(ws).Deprovision(ws); }
  StatusOr<bool> Exists(const model::Workspace& ws) override { return For(ws).Exists(ws); }
  StatusOr<NumberedSecret> AddPendingSecret(const model::Workspace& ws, const SecretRow& row,
                                          FunctionRef<std::string(std::int64_t)> seal) override {
    return For(ws).AddPendingSecret(ws, row, seal);
  }
  Status CommitSecretOperation(const model::Workspace& ws, std::string_view op,
                               int keep_versions) override {
    return For(ws).CommitSecretOperation(ws, op, keep_versions);
  }
  Status DiscardSecretOperation(const model::Workspace& ws, std::string_view op) override {
    return For(ws).DiscardSecretOperation(ws, op);
  }
  StatusOr<std::vector<SecretRow>> ListSecretRows(const model::Workspace& ws,
                                                  const SecretRowQuery& query) override {
    return For(ws).ListSecretRows(ws, query);
  }
  Status AddPendingVaultRows(const model::Workspace& ws,
                             const std::vector<VaultRow>& rows) override {
    return For(ws).AddPendingVaultRows(ws, rows);
  }
  Status CommitVaultOperation(const model::Workspace& ws, std::string_view op) override {
    return For(ws).CommitVaultOperation(ws, op);
  }
  Status DiscardVaultOperation(const model::Workspace& ws, std::string_view op) override {
    return For(ws).DiscardVaultOperation(ws, op);
  }
  StatusOr<std::vector<VaultRow>> ListVaultRows(const model::Workspace& ws,
                                                const VaultRowQuery& query) override {
    return For(ws).ListVaultRows(ws, query);
  }
  // The embedded one, then each cell; the first failure names its region
  // (its own message, which may hold a host, goes to the log only).
  Status Ping() override {
    WS_RETURN_IF_ERROR(fallback_->Ping());
    for (const auto& [region, cell] : cells_) {
      const Status s = cell->Ping();
      if (s.ok()) continue;
      log::Warn("dataplane: a cell does not answer", {{"region", region}, {"error", s.message()}});
      return Unavailable("the dataplane of region " + region + " is unreachable");
    }
    return Status::Ok();
  }

 private:
  Dataplane& For(const model::Workspace& ws) {
    const auto it = cells_.find(ws.region);
    return it == cells_.end() ? *fallback_ : *it->second;
  }
  std::unique_ptr<Dataplane> fallback_;
  std::map<std::string, std::unique_ptr<Dataplane>> cells_;
};

}  // namespace

std::unique_ptr<Dataplane> NewRoutingDataplane(
    std::unique_ptr<Dataplane> fallback, std::map<std::string, std::unique_ptr<Dataplane>> cells) {
  return std::make_unique<Routing>(std::move(fallback), std::move(cells));
}

}  // namespace workspaced::dataplane
