// jshell with llama-client ready. From the repository root:
//   ./mvnw -q -pl examples -am package -DskipTests && jshell --class-path "$(cat examples/target/classpath.txt)" examples/jshell/llama.jsh
// The server comes from LLAMA_SERVER_URL (default http://localhost:8080), the key from LLAMA_API_KEY.
import io.github.llamaclient.*;
import java.time.Duration;
import java.util.stream.Stream;

// tag::jshell[]
LlamaClient client = LlamaClient.fromEnv();

/** Streams the reply to a question to the console and returns the whole reply. */
ChatResult ask(String question) {
    try (ChatStream events = client.chat().stream(ChatRequest.builder().user(question).build())) {
        for (ChatEvent e : events) {
            if (e instanceof ChatEvent.Content c) {
                System.out.print(c.text());
                System.out.flush();
            }
        }
        System.out.println();
        return events.result();
    }
}
// end::jshell[]

System.out.println("llama-client ready: client = " + client + "; try ask(\"Hello!\")");
