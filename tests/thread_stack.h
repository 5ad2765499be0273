// Runs a piece of a test on a thread with a stack of a chosen size: deep
// nesting needs more than the main thread's 8 MB in a sanitizer build, whose
// frames are several times larger, and the parser must give its clean error
// on small stacks too.
#pragma once

#include <gtest/gtest.h>
#include <pthread.h>

#include <cstddef>

namespace testpaths {

// Runs `body` on a new thread with a stack of `bytes` and waits for it.
template <class F>
void on_stack_of(size_t bytes, F body) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, bytes);
  pthread_t thread;
  auto trampoline = [](void* arg) -> void* {
    (*static_cast<F*>(arg))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, trampoline, &body), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
}

}  // namespace testpaths
