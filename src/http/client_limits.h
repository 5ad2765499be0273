// Internal to src/http. What one client address may hold at once: open
// connections, and bytes of request bodies being received from senders
// without credentials ("anonymous" bodies); plus the server-wide total of
// those bytes. A client is an IPv4 address, or an IPv6 address's /64 prefix
// (what one site is usually given, so one host cannot take a new address per
// connection). Holding is a Hold: destroying it gives the share back.
//
//   auto connection = limits.admit_connection(client_of(peer));   // nullopt: address at its limit
//   auto body = limits.reserve_body(key, content_length);         // Refusal when over a budget
//
// Thread-safety: every member may be called from any thread; a Hold may be
// released on any thread but must not outlive its ClientLimits.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>

namespace http::detail {

// The key limits are counted under: "10.0.0.7", "2001:db8:1:2::/64".
std::string client_of(const boost::asio::ip::address& address);

class ClientLimits {
 public:
  struct Budgets {
    std::size_t connections_per_address;
    std::size_t body_bytes_per_address;
    std::size_t body_bytes;  // all addresses together
  };

  // A share of one address's limits; empty when default-constructed or moved from.
  class Hold {
   public:
    Hold() = default;
    Hold(Hold&& other) noexcept;
    Hold& operator=(Hold&& other) noexcept;
    ~Hold();

   private:
    friend class ClientLimits;
    Hold(ClientLimits* limits, std::string client, std::size_t connections, std::size_t body_bytes);
    void release();

    ClientLimits* limits_ = nullptr;
    std::string client_;
    std::size_t connections_ = 0;
    std::size_t body_bytes_ = 0;
  };

  // Which budget a body did not fit in.
  enum class Refusal { address, server };

  explicit ClientLimits(Budgets budgets) : budgets_{budgets} {}

  std::optional<Hold> admit_connection(const std::string& client);
  std::variant<Hold, Refusal> reserve_body(const std::string& client, std::size_t bytes);

  std::size_t clients() const;  // addresses holding anything now

 private:
  struct Usage {
    std::size_t connections = 0;
    std::size_t body_bytes = 0;
  };

  Usage usage_of(const std::string& client) const;  // with mutex_ held
  void release(const std::string& client, std::size_t connections, std::size_t body_bytes);

  const Budgets budgets_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Usage> usage_;  // only addresses holding something
  std::size_t body_bytes_ = 0;
};

}  // namespace http::detail
