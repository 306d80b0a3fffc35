package dev.hako.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ThreadPriorityTest {
    @Test
    void lowersOnlyTheCallingThread() throws Exception {
        int before = ThreadPriority.currentNice();
        CompletableFuture<Integer> inThread = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                ThreadPriority.setCurrentNice(Math.max(before, 10));
                inThread.complete(ThreadPriority.currentNice());
            } catch (Throwable e) {
                inThread.completeExceptionally(e);
            }
        });
        t.join();
        assertEquals(Math.max(before, 10), inThread.get(10, TimeUnit.SECONDS));
        assertEquals(before, ThreadPriority.currentNice(), "the test's own thread keeps its priority");
    }

    @Test
    void childProcessesInheritTheThreadsNiceValue() throws Exception {
        CompletableFuture<String> nice = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                ThreadPriority.setCurrentNice(Math.max(ThreadPriority.currentNice(), 12));
                Process p = new ProcessBuilder("nice").start();
                nice.complete(new String(p.getInputStream().readAllBytes()).strip());
                p.waitFor();
            } catch (Throwable e) {
                nice.completeExceptionally(e);
            }
        }).join();
        assertEquals(String.valueOf(Math.max(ThreadPriority.currentNice(), 12)), nice.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aVirtualThreadIsRefused() throws Exception {
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> failure.complete(
                assertThrows(IllegalStateException.class, () -> ThreadPriority.setCurrentNice(10)))).join();
        assertEquals(IllegalStateException.class, failure.get(10, TimeUnit.SECONDS).getClass());
    }
}
