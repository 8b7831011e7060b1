from ingestion.demo.cli import main

raise SystemExit(main())
