# image: gpilot/flink-job
# Flink with the MissionJob's shaded jar where the FlinkDeployment's jarURI points (local:///opt/flink/usrlib/).
FROM flink:2.2.1-java17
COPY flink-jobs/target/flink-jobs-0.1.0-SNAPSHOT-job.jar /opt/flink/usrlib/gpilot-job.jar
