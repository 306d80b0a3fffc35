package dev.hako.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Kubernetes' channel framing over WebSocket: every message starts with its channel number, as a byte
 * (binary protocols) or as an ASCII digit followed by base64 (the base64 protocols, for browsers).
 */
final class WebSocketChannels {
    static final Object HANDSHAKE_DONE = new Object();
    /** v5: a message on this channel carries the number of a channel the sender will not write again. */
    static final int CLOSE_CHANNEL = 255;

    /** One received message, split into channel and payload. */
    record Message(int channel, byte[] payload) {}

    private final Channel channel;
    private final boolean base64;
    private final boolean supportsClose;

    WebSocketChannels(Channel channel, boolean base64, boolean supportsClose) {
        this.channel = channel;
        this.base64 = base64;
        this.supportsClose = supportsClose;
    }

    Channel channel() {
        return channel;
    }

    boolean supportsClose() {
        return supportsClose;
    }

    /** null for empty or undecodable messages, which carry nothing. */
    Message decode(WebSocketFrame frame) {
        ByteBuf content = frame.content();
        if (!content.isReadable()) {
            return null;
        }
        if (frame instanceof TextWebSocketFrame) {
            String text = content.toString(StandardCharsets.US_ASCII);
            try {
                byte[] payload = base64 ? Base64.getDecoder().decode(text.substring(1)) : text.substring(1).getBytes(StandardCharsets.UTF_8);
                return new Message(text.charAt(0) - '0', payload);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        if (frame instanceof BinaryWebSocketFrame) {
            int ch = content.getUnsignedByte(content.readerIndex());
            return new Message(ch, ByteBufUtil.getBytes(content, content.readerIndex() + 1, content.readableBytes() - 1));
        }
        return null;
    }

    ChannelFuture send(int ch, ByteBuf payload) {
        if (base64) {
            String text = (char) ('0' + ch) + Base64.getEncoder().encodeToString(ByteBufUtil.getBytes(payload));
            payload.release();
            return channel.writeAndFlush(new TextWebSocketFrame(text));
        }
        ByteBuf prefix = channel.alloc().buffer(1).writeByte(ch);
        return channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(prefix, payload)));
    }

    /** The stream on ch ends: v5 tells the client; older protocols can only end the whole connection. */
    FrameOutputStream output(int ch) {
        return new FrameOutputStream(payload -> send(ch, payload), () -> {
            if (supportsClose) {
                send(CLOSE_CHANNEL, Unpooled.wrappedBuffer(new byte[] {(byte) ch}));
            }
        });
    }

    ChannelFuture close() {
        return channel.writeAndFlush(new CloseWebSocketFrame(1000, ""));
    }
}
