#include "http/client_limits.h"

#include <utility>

namespace http::detail {

std::string client_of(const boost::asio::ip::address& address) {
  if (address.is_v4()) return address.to_string();
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
  auto bytes = v6.to_bytes();
  for (std::size_t i = 8; i < bytes.size(); ++i) bytes[i] = 0;
  return boost::asio::ip::address_v6{bytes}.to_string() + "/64";
}

ClientLimits::Hold::Hold(ClientLimits* limits, std::string client, std::size_t connections, std::size_t body_bytes)
    : limits_{limits}, client_{std::move(client)}, connections_{connections}, body_bytes_{body_bytes} {}

ClientLimits::Hold::Hold(Hold&& other) noexcept
    : limits_{std::exchange(other.limits_, nullptr)},
      client_{std::move(other.client_)},
      connections_{other.connections_},
      body_bytes_{other.body_bytes_} {}

ClientLimits::Hold& ClientLimits::Hold::operator=(Hold&& other) noexcept {
  if (this != &other) {
    release();
    limits_ = std::exchange(other.limits_, nullptr);
    client_ = std::move(other.client_);
    connections_ = other.connections_;
    body_bytes_ = other.body_bytes_;
  }
  return *this;
}

ClientLimits::Hold::~Hold() { release(); }

void ClientLimits::Hold::release() {
  if (limits_) limits_->release(client_, connections_, body_bytes_);
  limits_ = nullptr;
}

std::optional<ClientLimits::Hold> ClientLimits::admit_connection(const std::string& client) {
  std::lock_guard lock{mutex_};
  if (usage_of(client).connections + 1 > budgets_.connections_per_address) return std::nullopt;
  ++usage_[client].connections;
  return Hold{this, client, 1, 0};
}

std::variant<ClientLimits::Hold, ClientLimits::Refusal> ClientLimits::reserve_body(const std::string& client,
                                                                                   std::size_t bytes) {
  std::lock_guard lock{mutex_};
  if (body_bytes_ + bytes > budgets_.body_bytes) return Refusal::server;
  if (usage_of(client).body_bytes + bytes > budgets_.body_bytes_per_address) return Refusal::address;
  usage_[client].body_bytes += bytes;
  body_bytes_ += bytes;
  return Hold{this, client, 0, bytes};
}

ClientLimits::Usage ClientLimits::usage_of(const std::string& client) const {
  const auto it = usage_.find(client);
  return it == usage_.end() ? Usage{} : it->second;
}

std::size_t ClientLimits::clients() const {
  std::lock_guard lock{mutex_};
  return usage_.size();
}

void ClientLimits::release(const std::string& client, std::size_t connections, std::size_t body_bytes) {
  std::lock_guard lock{mutex_};
  auto it = usage_.find(client);
  if (it == usage_.end()) return;
  it->second.connections -= connections;
  it->second.body_bytes -= body_bytes;
  body_bytes_ -= body_bytes;
  if (it->second.connections == 0 && it->second.body_bytes == 0) usage_.erase(it);
}

}  // namespace http::detail
