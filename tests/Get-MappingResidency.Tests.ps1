BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Page = [Environment]::SystemPageSize

    function Write-SparseFile {
        <#
        .SYNOPSIS
            Writes a sparse file of -Pages pages where only the pages in -Written hold data, so only they are cached.
        #>
        param([string] $Path, [long] $Pages, [long[]] $Written)
        $stream = [IO.File]::Open($Path, 'CreateNew', 'Write')
        try {
            $stream.SetLength($Pages * $Page)
            foreach ($p in $Written) { $stream.Position = $p * $Page; $stream.Write([byte[]]::new($Page), 0, $Page) }
        }
        finally { $stream.Dispose() }
    }
}

Describe 'Get-MappingResidency' {
    AfterEach {
        Get-MemoryMapping | Remove-MemoryMapping
    }

    It 'agrees with fincore on a file, and leaves no mapping behind' {
        $file = Join-Path $TestDrive 'sparse.bin'
        Write-SparseFile $file -Pages 64 -Written 3, 10, 11, 12
        $r = Get-MappingResidency $file
        $res, $pages, $size, $null = (fincore --bytes --noheadings --raw --output RES,PAGES,SIZE,FILE $file) -split ' ', 4
        $r.ResidentBytes | Should -Be ([long]$res)
        $r.ResidentPages | Should -Be ([long]$pages)
        $r.Length | Should -Be ([long]$size)
        $r.Pages | Should -Be 64
        $r.MappingId | Should -BeNullOrEmpty
        Get-Content "/proc/$PID/maps" | Where-Object { $_.EndsWith($file) } | Should -BeNullOrEmpty
    }

    It 'lists the runs of resident pages with -Detailed and draws them as a strip' {
        $file = Join-Path $TestDrive 'runs.bin'
        Write-SparseFile $file -Pages 8 -Written 0, 1, 5
        $r = Get-MappingResidency $file -Detailed
        $r.ResidentRanges.Offset | Should -Be 0, (5 * $Page)
        $r.ResidentRanges.Length | Should -Be (2 * $Page), $Page
        $r.DrawStrip(60) | Should -Be '[OO   O  ] 3/8'
        $view = $r | Out-String
        $view | Should -BeLike '*runs.bin: 12 KiB resident (37.5%)*'
        $view.Contains('[OO   O  ] 3/8') | Should -BeTrue
    }

    It 'measures mappings from the pipeline with mincore' {
        $m = New-MemoryMapping -Anonymous -Length (16 * $Page) -Private
        ($m | Get-MappingResidency).ResidentPages | Should -Be 0
        Set-MappedByte $m -Offset 0 -Value ([byte[]]::new(4 * $Page))
        $r = $m | Get-MappingResidency
        $r.ResidentPages | Should -Be 4
        $r.Percent | Should -Be 25
        $r.MappingId | Should -Be $m.Id
    }

    It 'takes Get-ChildItem output and wildcards, skipping folders' {
        New-Item -ItemType Directory (Join-Path $TestDrive 'tree/sub') -Force | Out-Null
        foreach ($name in 'a.bin', 'b.bin', 'sub/c.bin') { New-PatternFile -Path (Join-Path $TestDrive "tree/$name") -Length $Page | Out-Null }
        (Get-ChildItem (Join-Path $TestDrive 'tree') -Recurse | Get-MappingResidency).Count | Should -Be 3
        (Get-MappingResidency (Join-Path $TestDrive 'tree/*')).Path | Should -Be (Join-Path $TestDrive 'tree/a.bin'), (Join-Path $TestDrive 'tree/b.bin')
    }

    It 'measures empty files and reports missing ones and folders as errors' {
        $empty = Join-Path $TestDrive 'empty.bin'
        New-Item $empty -ItemType File | Out-Null
        (Get-MappingResidency $empty).Pages | Should -Be 0

        Get-MappingResidency (Join-Path $TestDrive 'missing.bin') -ErrorAction SilentlyContinue -ErrorVariable missing
        $missing[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Get-MappingResidency -LiteralPath (Join-Path $TestDrive 'missing.bin') -ErrorAction SilentlyContinue -ErrorVariable literal
        $literal[0].FullyQualifiedErrorId | Should -Be 'open.ENOENT,MemMap.Commands.GetMappingResidencyCommand'
        Get-MappingResidency $TestDrive -ErrorAction SilentlyContinue -ErrorVariable folder
        $folder[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,MemMap.Commands.GetMappingResidencyCommand'
    }

    It 'refuses a removed mapping' {
        $m = New-MemoryMapping -Anonymous -Length $Page
        Remove-MemoryMapping $m
        Get-MappingResidency $m -ErrorAction SilentlyContinue -ErrorVariable failure
        $failure[0].FullyQualifiedErrorId | Should -Be 'MappingRemoved,MemMap.Commands.GetMappingResidencyCommand'
    }

    It 'refuses a FIFO within a second, named or among piped files, and still counts the other files' {
        $folder = Join-Path $TestDrive "fifo-$(New-Guid)"
        New-Item -ItemType Directory $folder | Out-Null
        New-PatternFile -Path (Join-Path $folder 'a.bin') -Length $Page | Out-Null
        New-PatternFile -Path (Join-Path $folder 'c.bin') -Length $Page | Out-Null
        mkfifo (Join-Path $folder 'b.fifo') # nobody writes: a blocking open for reading waits forever
        # In a child that timeout(1) kills: a hang fails this test instead of hanging the run.
        $output = Invoke-ChildPwsh -TimeoutSeconds 30 -ArgumentList $folder {
            param($Folder)
            $measured = Get-ChildItem -File $Folder | Get-MappingResidency -ErrorVariable failed -ErrorAction SilentlyContinue
            # Timed once warm: loading the module and the first pipeline take a while on a busy machine.
            $watch = [Diagnostics.Stopwatch]::StartNew()
            Get-MappingResidency -Path (Join-Path $Folder 'b.fifo') -ErrorVariable +failed -ErrorAction SilentlyContinue
            $watch.Stop()
            ($measured.Path | Split-Path -Leaf) -join ','
            ($failed | ForEach-Object { "$($_.FullyQualifiedErrorId) $(Split-Path -Leaf $_.TargetObject)" }) -join ';'
            $watch.Elapsed.TotalSeconds
        }
        $LASTEXITCODE | Should -Be 0 -Because 'a child killed by timeout hung on the FIFO'
        $output[0] | Should -Be 'a.bin,c.bin'
        $output[1] | Should -Be ('InvalidArgument,MemMap.Commands.GetMappingResidencyCommand b.fifo;' * 2).TrimEnd(';')
        [double]$output[2] | Should -BeLessThan 1
    }
}
