// Descriptors no child process inherits. FactoryCI opens its own with
// O_CLOEXEC, SOCK_CLOEXEC or pipe2(O_CLOEXEC); this is for those a library
// opens without (Boost.Asio's accepted sockets, a database client's).
// Every process FactoryCI starts also closes all but its standard streams
// (posix_spawn_file_actions_addclosefrom_np), for a descriptor another
// thread opened a moment before it was flagged.
#pragma once

namespace core {

// Sets FD_CLOEXEC on `fd`; false (errno set) when it is no open descriptor.
bool set_close_on_exec(int fd);

}  // namespace core
