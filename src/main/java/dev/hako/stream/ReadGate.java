package dev.hako.stream;

import io.netty.channel.Channel;

/**
 * Stops reading from the socket while any consumer on the connection is full, so a client that sends faster
 * than a process reads fills TCP windows instead of our heap. Counts are confined to the channel's event loop.
 */
final class ReadGate {
    private final Channel channel;
    private int paused;

    ReadGate(Channel channel) {
        this.channel = channel;
    }

    void pause() {
        channel.eventLoop().execute(() -> {
            if (paused++ == 0) {
                channel.config().setAutoRead(false);
            }
        });
    }

    void resume() {
        channel.eventLoop().execute(() -> {
            if (--paused == 0) {
                channel.config().setAutoRead(true);
            }
        });
    }
}
