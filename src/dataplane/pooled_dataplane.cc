#include "dataplane/pooled_dataplane.h"

#include <condition_variable>
#include <mutex>
#include <utility>

namespace workspaced::dataplane {
namespace {

class Pooled final : public Dataplane {
 public:
  explicit Pooled(std::vector<std::unique_ptr<Dataplane>> members) : members_(std::move(members)) {
    for (auto it = members_.rbegin(); it != members_.rend(); ++it) idle_.push_back(it->get());
  }

  Status Provision(const model::Workspace& ws) override { return Take()->Provision(ws); }
  Status Deprovision(const model::Workspace& ws) override { return Take()->Deprovision(ws); }
  StatusOr<bool> Exists(const model::Workspace& ws) override { return Take()->Exists(ws); }
  Status Ping() override { return Take()->Ping(); }
  StatusOr<NumberedSecret> AddPendingSecret(const model::Workspace& ws, const SecretRow& row,
                                          FunctionRef<std::string(std::int64_t)> seal) override {
    return Take()->AddPendingSecret(ws, row, seal);
  }
  Status CommitSecretOperation(const model::Workspace& ws, std::string_view op,
                               int keep_versions) override {
    return Take()->CommitSecretOperation(ws, op, keep_versions);
  }
  Status DiscardSecretOperation(const model::Workspace& ws, std::string_view op) override {
    return Take()->DiscardSecretOperation(ws, op);
  }
  StatusOr<std::vector<SecretRow>> ListSecretRows(const model::Workspace& ws,
                                                  const SecretRowQuery& query) override {
    return Take()->ListSecretRows(ws, query);
  }
  Status AddPendingVaultRows(const model::Workspace& ws,
                             const std::vector<VaultRow>& rows) override {
    return Take()->AddPendingVaultRows(ws, rows);
  }
  Status CommitVaultOperation(const model::Workspace& ws, std::string_view op) override {
    return Take()->CommitVaultOperation(ws, op);
  }
  Status DiscardVaultOperation(const model::Workspace& ws, std::string_view op) override {
    return Take()->DiscardVaultOperation(ws, op);
  }
  StatusOr<std::vector<VaultRow>> ListVaultRows(const model::Workspace& ws,
                                                const VaultRowQuery& query) override {
    return Take()->ListVaultRows(ws, query);
  }

 private:
  // A member for the length of one call.
  class Lease {
   public:
    Lease(Pooled& pool, Dataplane* member) : pool_(pool), member_(member) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_.Give(member_); }
    Dataplane* operator->() const { return member_; }

   private:
    Pooled& pool_;
    Dataplane* member_;
  };

  Lease Take() {
    std::unique_lock lock(mu_);
    idle_cv_.wait(lock, [&] { return !idle_.empty(); });
    Dataplane* member = idle_.back();
    idle_.pop_back();
    return Lease(*this, member);
  }
  void Give(Dataplane* member) {
    {
      std::lock_guard lock(mu_);
      idle_.push_back(member);
    }
    idle_cv_.notify_one();
  }

  const std::vector<std::unique_ptr<Dataplane>> members_;
  std::mutex mu_;
  std::condition_variable idle_cv_;
  std::vector<Dataplane*> idle_;  // guarded by mu_; the most recently given back last
};

}  // namespace

std::unique_ptr<Dataplane> NewPooledDataplane(std::vector<std::unique_ptr<Dataplane>> members) {
  return std::make_unique<Pooled>(std::move(members));
}

}  // namespace workspaced::dataplane
