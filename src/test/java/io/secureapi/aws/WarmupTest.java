package io.secureapi.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/** The warm-up initialises SDK classes ahead, and never beside the command's own SDK threads. */
@Isolated // it installs this process's warm-up
class WarmupTest {
    static final List<String> INITIALISED = new CopyOnWriteArrayList<>();
    static final CountDownLatch FIRST_STARTED = new CountDownLatch(1);
    static final CountDownLatch RELEASE_FIRST = new CountDownLatch(1);

    /** A class whose initialisation takes as long as the test says. */
    static final class Slow {
        static {
            INITIALISED.add("Slow");
            FIRST_STARTED.countDown();
            try {
                RELEASE_FIRST.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static final class Next {
        static {
            INITIALISED.add("Next");
        }
    }

    @Test
    void theRecordedList_namesOnlyClassesOfTheSdkAndTheHttpClient_thatThisBuildHas() throws Exception {
        List<String> names = Warmup.list();
        assertThat(names).hasSizeGreaterThan(100).doesNotHaveDuplicates();
        for (String name : names) {
            // never this tool's or picocli's classes: their initialisers run on the main thread only
            assertThat(name).matches("(software\\.amazon\\.awssdk|org\\.apache\\.http)\\.[\\w.$]+");
            Class.forName(name, false, getClass().getClassLoader()); // recorded from this build's jar
        }
    }

    @Test
    void buildingTheClients_waitsForTheClassBeingInitialised_andNoMoreIsStarted() throws Exception {
        Warmup w = new Warmup(() -> List.of(Slow.class.getName(), Next.class.getName()));
        Warmup.install(w);
        assertThat(FIRST_STARTED.await(10, TimeUnit.SECONDS)).isTrue();

        AwsSettings settings = new AwsSettings("us-east-1", null, URI.create("http://127.0.0.1:9"));
        AwsClients[] built = new AwsClients[1];
        Thread command = new Thread(() -> built[0] = new AwsClients(settings, List.of()));
        command.start();
        // the command reaches finish() and waits there for the class in progress
        for (int i = 0; i < 1000 && command.getState() != Thread.State.WAITING; i++) Thread.sleep(10);
        assertThat(command.getState())
                .as("the clients wait for the class in progress")
                .isEqualTo(Thread.State.WAITING);

        RELEASE_FIRST.countDown();
        command.join(10_000);
        assertThat(command.isAlive()).isFalse();
        assertThat(w.running()).isFalse();
        assertThat(INITIALISED).containsExactly("Slow"); // Next was left to the command
        built[0].close();
    }
}
