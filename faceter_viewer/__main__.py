from faceter_viewer.cli.main import main

raise SystemExit(main())
