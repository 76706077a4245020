# image: gpilot/control-api
# The control API with its runtime classpath, as `mvn -pl control-api -am package` leaves it (target/classes and
# its runtime jars copied to target/lib/ by the build step in README.md, "Kubernetes").
FROM eclipse-temurin:17-jre
WORKDIR /opt/gpilot
COPY control-api/target/classes /opt/gpilot/classes
COPY control-api/target/lib /opt/gpilot/lib
EXPOSE 8080
USER 10001
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-cp", "/opt/gpilot/classes:/opt/gpilot/lib/*", "dev.gpilot.api.ControlApi"]
