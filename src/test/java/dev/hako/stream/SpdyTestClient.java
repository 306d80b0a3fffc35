package dev.hako.stream;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A SPDY/3.1 client speaking as client-go does: upgrade, then one stream per streamType, and like
 * moby/spdystream no flow control (no WINDOW_UPDATE sent, none expected).
 */
final class SpdyTestClient implements AutoCloseable {
    /** What the server sent on one stream; done completes on FIN, reset or connection loss. */
    static final class StreamData {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CompletableFuture<String> done = new CompletableFuture<>();
        final CompletableFuture<Void> replied = new CompletableFuture<>();
        volatile boolean reset;
        volatile long count;

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }

        String await() throws Exception {
            return done.get(20, TimeUnit.SECONDS);
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Map<Integer, StreamData> streams = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(1);
    final CompletableFuture<FullHttpResponse> response = new CompletableFuture<>();
    private Channel channel;

    /** Connects and upgrades; the response status says whether the upgrade happened. */
    static SpdyTestClient connect(String url, String... versions) throws Exception {
        SpdyTestClient c = new SpdyTestClient();
        c.open(URI.create(url), versions);
        return c;
    }

    private void open(URI uri, String[] versions) throws Exception {
        SslContext ssl = uri.getScheme().equals("https")
                ? SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build() : null;
        channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (ssl != null) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc(), uri.getHost(), uri.getPort()));
                        }
                        ch.pipeline().addLast("http", new HttpClientCodec());
                        ch.pipeline().addLast("aggregate", new HttpObjectAggregator(65536));
                        ch.pipeline().addLast("handler", new Handler());
                    }
                })
                .connect(uri.getHost(), uri.getPort()).sync().channel();
        DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri.getRawPath() + "?command=ignored&stdin=true");
        req.headers().set("Host", uri.getHost() + ":" + uri.getPort());
        req.headers().set("Connection", "Upgrade");
        req.headers().set("Upgrade", "SPDY/3.1");
        req.headers().set("Content-Length", 0);
        for (String v : versions) {
            req.headers().add("X-Stream-Protocol-Version", v);
        }
        channel.writeAndFlush(req).sync();
        response.get(10, TimeUnit.SECONDS);
    }

    int status() throws Exception {
        return response.get().status().code();
    }

    String header(String name) throws Exception {
        return response.get().headers().get(name);
    }

    String body() throws Exception {
        return response.get().content().toString(StandardCharsets.UTF_8);
    }

    StreamData stream(int id) {
        return streams.get(id);
    }

    int open(Map<String, String> headers) throws Exception {
        int id = nextId.getAndAdd(2);
        DefaultSpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
        headers.forEach((k, v) -> syn.headers().set(k, v));
        StreamData data = new StreamData();
        streams.put(id, data);
        channel.writeAndFlush(syn).sync();
        return id;
    }

    int open(String streamType) throws Exception {
        return open(Map.of("streamtype", streamType));
    }

    void write(int id, String text) throws Exception {
        channel.writeAndFlush(new DefaultSpdyDataFrame(id, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8))).sync();
    }

    void finish(int id) throws Exception {
        channel.writeAndFlush(new DefaultSpdyDataFrame(id).setLast(true)).sync();
    }

    void reset(int id) {
        channel.writeAndFlush(new DefaultSpdyRstStreamFrame(id, SpdyStreamStatus.CANCEL));
    }

    CompletableFuture<Void> closed() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        channel.closeFuture().addListener(x -> f.complete(null));
        return f;
    }

    /** Stops reading from the socket, like a client on a congested link. */
    void pauseReading() {
        channel.config().setAutoRead(false);
    }

    void resumeReading() {
        channel.config().setAutoRead(true);
    }

    boolean isOpen() {
        return channel.isActive();
    }

    /** Drops the TCP connection without goodbyes, like a killed kubectl. */
    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpResponse resp) {
                if (resp.status().code() == 101) {
                    ctx.pipeline().addAfter("http", "spdy", new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
                    ctx.pipeline().remove("aggregate");
                    ctx.pipeline().remove("http");
                }
                response.complete(resp.retainedDuplicate());
                ReferenceCountUtil.release(msg);
                return;
            }
            try {
                if (msg instanceof SpdySynReplyFrame reply) {
                    StreamData s = streams.get(reply.streamId());
                    if (s != null) s.replied.complete(null);
                } else if (msg instanceof SpdyDataFrame data) {
                    StreamData s = streams.get(data.streamId());
                    if (s != null) {
                        synchronized (s) {
                            s.count += data.content().readableBytes();
                            if (s.bytes.size() < 1 << 20) {
                                s.bytes.writeBytes(ByteBufUtil.getBytes(data.content()));
                            }
                        }
                        if (data.isLast()) s.done.complete(s.text());
                    }
                } else if (msg instanceof SpdyRstStreamFrame rst) {
                    StreamData s = streams.get(rst.streamId());
                    if (s != null) {
                        s.reset = true;
                        s.done.complete(s.text());
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            streams.values().forEach(s -> s.done.complete(s.text()));
            response.completeExceptionally(new IllegalStateException("connection closed"));
        }
    }

    static List<String> v4() {
        return List.of("v4.channel.k8s.io");
    }
}
